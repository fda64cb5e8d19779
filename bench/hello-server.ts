// The floor of the API read benchmark: a Fastify hello-world in a process of its own, like the engine's API process.
// Prints `listening at <url>` once it serves.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
const url = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
console.log(`listening at ${url}`);
