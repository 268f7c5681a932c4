// Substituted for the npm `buffer` polyfill in the TEST function's bundle (see lib/bundling.ts): hyperid (autocannon's
// request ids) falls back to it (`require('buffer/')`) only where Node has no Buffer; on Lambda Node's own module is it.
import * as nodeBuffer from 'node:buffer';

export = nodeBuffer;
