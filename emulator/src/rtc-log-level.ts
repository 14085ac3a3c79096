// Imported first by main.ts: @livekit/rtc-node logs at debug level unless NODE_ENV is production,
// which would drown the emulator's own request log.
process.env.NODE_ENV ??= 'production';
