import { describe } from 'node:test';
import { runtimeModes } from './support/runtime.ts';
import { httpContract } from './contract/http.ts';

for (const mode of runtimeModes) describe(`in the ${mode} mode`, () => httpContract(mode));
