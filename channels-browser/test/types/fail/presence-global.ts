// Must fail: global has no presence.
import { ChannelClient } from '../../../src/index.js';
import { type ChannelFamilies } from '../../fixtures/generated/index.js';

declare const client: ChannelClient<ChannelFamilies>;

// @expect-error TS2345 Argument of type '"global"' is not assignable to parameter of type '`session:${string}` | `shell:${string}`'.
client.presence('global');
