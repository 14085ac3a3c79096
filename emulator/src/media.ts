/**
 * The media side of emulated sessions: a real LiveKit room with the drawn, speaking avatar, or,
 * with `--no-media`, timers that stand in for speech (for load tests of the REST side).
 */

import { Room } from '@livekit/rtc-node';
import { AccessToken, ParticipantInfo_State, RoomServiceClient } from 'livekit-server-sdk';
import { AvatarParticipant, type SpokenTask } from './avatar-participant.js';
import { AVATAR_FRAME_RATE, AVATAR_IDENTITY } from './contract.js';
import { type AvatarSignal, type EventDialect, LIVEAVATAR_AGENT_PREFIX } from './dialect.js';
import type { LiveKitServer } from './livekit-server.js';
import { type Speech, synthesize } from './speech.js';
import type { VoiceInputHandlers } from './voice-input.js';

/** The avatar as a session sees it. */
export interface Avatar {
  waitForViewer(): Promise<void>;
  speak(taskId: string, speech: Speech): Promise<SpokenTask>;
  interrupt(): void;
  /** Whether speech is playing or queued. */
  readonly speaking: boolean;
  leave(): Promise<void>;
  /** Hears the users in the room (their microphones, push-to-talk) through `handlers`. */
  listen(handlers: VoiceInputHandlers): void;
  /** Sends one event on the data channel in the session's dialect; resolves once sent. */
  sendEvent(signal: AvatarSignal): Promise<void>;
  /** Receives LiveAvatar's `agent-control` commands. */
  onCommand(handler: (command: Record<string, unknown>) => void): void;
  /** Holds or releases the user's push-to-talk key (LiveAvatar's `user.start_push_to_talk`). */
  setTalkKey(down: boolean): void;
}

/** What a session needs to join its viewers and avatar to a room. */
export interface MediaBackend {
  /** Creates the session's room; returns the URL, a token for one viewer and one for an agent. */
  createRoom(
    roomName: string,
    viewerIdentity: string,
  ): Promise<{ url: string; viewerToken: string; agentToken: string }>;
  joinAvatar(
    roomName: string,
    settings: { width: number; height: number; videoCodec: 'H264' | 'VP8'; dialect: EventDialect },
  ): Promise<Avatar>;
  /** Joins a participant that publishes nothing (LiveAvatar's agent); resolves with how it leaves. */
  joinSilent(roomName: string, identity: string): Promise<{ leave(): Promise<void> }>;
  synthesize(text: string, rate: number): Promise<Speech>;
  /** Ends the room; every participant is disconnected. */
  deleteRoom(roomName: string): Promise<void>;
}

const SAMPLE_RATE = 22_050;

/** Rooms on a real livekit-server, with the drawn avatar speaking eSpeak NG audio. */
/**
 * Rooms on `server`. `clientUrl` is the LiveKit URL handed to clients (default the server's own):
 * a network proxy in front of the signalling port, for tests of a lossy network.
 */
export function liveKitMedia(server: LiveKitServer, clientUrl = server.wsUrl): MediaBackend {
  const rooms = new RoomServiceClient(server.httpUrl, server.apiKey, server.apiSecret);
  const token = (roomName: string, identity: string, canPublish: boolean) => {
    const grant = new AccessToken(server.apiKey, server.apiSecret, { identity, ttl: '6h' });
    grant.addGrant({ roomJoin: true, room: roomName, canPublish, canSubscribe: true, canPublishData: true });
    return grant.toJwt();
  };
  return {
    async createRoom(roomName, viewerIdentity) {
      await rooms.createRoom({ name: roomName, emptyTimeout: 120, departureTimeout: 20 });
      return {
        url: clientUrl,
        viewerToken: await token(roomName, viewerIdentity, true),
        agentToken: await token(roomName, `agent-${viewerIdentity}`, true),
      };
    },
    async joinAvatar(roomName, settings) {
      const avatar = await AvatarParticipant.join({
        url: server.wsUrl,
        token: await token(roomName, AVATAR_IDENTITY, true),
        ...settings,
        fps: AVATAR_FRAME_RATE,
        sampleRate: SAMPLE_RATE,
      });
      return {
        // The server knows of a viewer before the avatar's own room does (by a second or more), so ask it too.
        waitForViewer: () => Promise.race([avatar.waitForViewer(), viewerJoined(rooms, roomName)]),
        speak: (taskId, speech) => avatar.speak(taskId, speech),
        interrupt: () => avatar.interrupt(),
        get speaking() {
          return avatar.speaking;
        },
        leave: () => avatar.leave(),
        listen: (handlers) => avatar.listen(handlers),
        sendEvent: (signal) => avatar.send(signal),
        onCommand: (handler) => avatar.onCommand(handler),
        setTalkKey: (down) => avatar.setTalkKey(down),
      };
    },
    async joinSilent(roomName, identity) {
      const room = new Room();
      await room.connect(server.wsUrl, await token(roomName, identity, true), {
        autoSubscribe: false,
        dynacast: false,
      });
      return { leave: () => room.disconnect() };
    },
    synthesize,
    async deleteRoom(roomName) {
      await rooms.deleteRoom(roomName).catch(() => undefined);
    },
  };
}

/** Resolves once the server lists an active participant other than the avatar (polled every 50 ms, for 5 s at most). */
async function viewerJoined(rooms: RoomServiceClient, roomName: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const participants = await rooms.listParticipants(roomName).catch(() => []);
    if (
      participants.some(
        (participant) =>
          participant.identity !== AVATAR_IDENTITY &&
          !participant.identity.startsWith(LIVEAVATAR_AGENT_PREFIX) &&
          participant.state === ParticipantInfo_State.ACTIVE,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** No rooms and no audio: speech takes as long as it would (about 14 characters a second) on a timer. */
export function noMedia(): MediaBackend {
  return {
    async createRoom(roomName, viewerIdentity) {
      return {
        url: 'ws://127.0.0.1:9/no-media',
        viewerToken: `no-media:${roomName}:${viewerIdentity}`,
        agentToken: `no-media:${roomName}:agent-${viewerIdentity}`,
      };
    },
    async joinSilent() {
      return { leave: async () => undefined };
    },
    async joinAvatar() {
      return new TimedAvatar();
    },
    async synthesize(text, rate) {
      const durationMs = Math.round(((text.length / 14) * 1000) / Math.max(0.3, rate));
      return { samples: new Int16Array(0), sampleRate: SAMPLE_RATE, words: [], durationMs };
    },
    async deleteRoom() {},
  };
}

/** Without media there is no microphone to hear and no data channel to speak on. */
class TimedAvatar implements Avatar {
  listen() {}
  async sendEvent() {}
  onCommand() {}
  setTalkKey() {}

  #pending: { timer: ReturnType<typeof setTimeout>; settle: (result: SpokenTask) => void }[] = [];
  #busyUntil = 0;

  async waitForViewer() {}

  get speaking(): boolean {
    return this.#pending.length > 0;
  }

  speak(_taskId: string, speech: Speech): Promise<SpokenTask> {
    const startAt = Math.max(Date.now(), this.#busyUntil);
    this.#busyUntil = startAt + speech.durationMs;
    return new Promise((settle) => {
      const entry = {
        timer: setTimeout(() => {
          this.#pending = this.#pending.filter((candidate) => candidate !== entry);
          settle({ interrupted: false, durationMs: speech.durationMs });
        }, this.#busyUntil - Date.now()),
        settle,
      };
      this.#pending.push(entry);
    });
  }

  interrupt() {
    for (const { timer, settle } of this.#pending.splice(0)) {
      clearTimeout(timer);
      settle({ interrupted: true, durationMs: 0 });
    }
    this.#busyUntil = 0;
  }

  async leave() {
    this.interrupt();
  }
}
