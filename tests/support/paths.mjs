// Where things are, for every test helper.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TARGET = path.join(ROOT, 'target');
export const SCREENSHOTS = path.join(TARGET, 'screenshots');
export const TEST_LOGS = path.join(TARGET, 'test-logs');
export const nodeBin = (name) => path.join(ROOT, 'node_modules/.bin', name);
