// Ready-made actors, importable as `troupe/actors`.
export { Counter } from './counter.js';
export { TokenStreamer, AsyncTokenStreamer, tokenize } from './token-streamer.js';
