import { useRef, useState } from 'react';
import type { StreamingAvatarElement } from 'streaming-avatar-kit/components';
import { AvatarCaptions, StreamingAvatar, useAvatar } from 'streaming-avatar-kit/react';

/** A kiosk: the avatar, what it says, and a box to make it speak. */
export function App() {
  const avatar = useRef<StreamingAvatarElement>(null);
  const { state, meter } = useAvatar(avatar);
  const [text, setText] = useState('Hello from React!');
  const [spoken, setSpoken] = useState(0);

  return (
    <main>
      <StreamingAvatar
        ref={avatar}
        id="avatar"
        tokenUrl="/api/avatar-token"
        baseUrl={import.meta.env.VITE_AVATAR_API_BASE}
        quality="low"
        onAvatarSpeakingEnd={() => setSpoken((count) => count + 1)}
      />
      <AvatarCaptions for="avatar" />
      <p>
        State: <output id="state">{state}</output> · Credits:{' '}
        <output id="credits">{meter ? meter.credits.toFixed(2) : '–'}</output> · Spoken:{' '}
        <output id="spoken">{spoken}</output>
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          avatar.current?.speak(text);
        }}
      >
        <input aria-label="Text to speak" value={text} onChange={(event) => setText(event.target.value)} />
        <button type="submit" disabled={state !== 'connected'}>
          Speak
        </button>
      </form>
    </main>
  );
}
