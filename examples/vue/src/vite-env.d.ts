interface ImportMetaEnv {
  /** The provider's API base URL; unset, HeyGen's. The tests point it at the emulator. */
  readonly VITE_AVATAR_API_BASE?: string;
}
