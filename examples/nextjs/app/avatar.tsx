'use client';

import { useRef, useState } from 'react';
import type { StreamingAvatarElement } from 'streaming-avatar-kit/components';
import { AvatarCaptions, StreamingAvatar, useAvatar } from 'streaming-avatar-kit/react';

/** The avatar: rendered as its tag on the server, brought to life in the browser. */
export function Avatar({ baseUrl }: { baseUrl: string | undefined }) {
  const avatar = useRef<StreamingAvatarElement>(null);
  const { state } = useAvatar(avatar);
  const [spoken, setSpoken] = useState(0);
  return (
    <section>
      <StreamingAvatar
        ref={avatar}
        id="avatar"
        tokenUrl="/api/avatar-token"
        baseUrl={baseUrl}
        quality="low"
        onAvatarSpeakingEnd={() => setSpoken((count) => count + 1)}
      />
      <AvatarCaptions for="avatar" />
      <p>
        State: <output id="state">{state}</output> · Spoken: <output id="spoken">{spoken}</output>
      </p>
      <button
        type="button"
        disabled={state !== 'connected'}
        onClick={() => avatar.current?.speak('Hello from Next.js!')}
      >
        Speak
      </button>
    </section>
  );
}
