/** The emulator's built-in avatars, in the shape of `GET /v1/streaming/avatar.list`. */
export const AVATARS = [
  avatar('Wayne_20240711', 'Wayne', 'en-US-Guy'),
  avatar('Anna_public_3_20240108', 'Anna', 'en-US-Jenny'),
  avatar('Kiosk_Greeter_20250101', 'Kiosk greeter', 'en-GB-Sonia'),
];

function avatar(id: string, poseName: string, voice: string) {
  return {
    avatar_id: id,
    created_at: 1_704_067_200,
    default_voice: voice,
    is_public: true,
    // A tiny SVG of the drawn face, so pickers have a preview without network access.
    normal_preview: `data:image/svg+xml,${encodeURIComponent(
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="#00b140"/><ellipse cx="32" cy="30" rx="17" ry="21" fill="#ecbc96"/><circle cx="26" cy="26" r="2.5" fill="#281e1e"/><circle cx="38" cy="26" r="2.5" fill="#281e1e"/><ellipse cx="32" cy="39" rx="6" ry="2.5" fill="#78202a"/><text x="32" y="61" font-size="7" text-anchor="middle" fill="#fff">${poseName}</text></svg>`,
    )}`,
    pose_name: poseName,
    status: 'ACTIVE' as const,
  };
}
