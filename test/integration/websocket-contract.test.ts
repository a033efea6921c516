import { describe } from 'node:test';
import { runtimeModes } from './support/runtime.ts';
import { webSocketContract } from './contract/websocket.ts';

for (const mode of runtimeModes) describe(`in the ${mode} mode`, () => webSocketContract(mode));
