import { startBareHttp } from './servers.js';

/** The start-up baseline as a process of its own: `/readyz` on `PORT`, nothing else. */
const server = await startBareHttp(Number(process.env.PORT));
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
