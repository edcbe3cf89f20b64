import { createRequestHandler, RouterContextProvider } from 'react-router';
const build = await import('/work/main/build/server/index.js');
const handle = createRequestHandler(build, 'production');
const key = build.entry.module.appContext;
const path = process.argv[2] ?? '/en/sign-in';
async function once() {
  const context = new RouterContextProvider();
  context.set(key, { getSession: () => Promise.resolve(null), nonce: 'abc', secureCookies: false });
  const r = await handle(
    new Request('http://localhost:3000' + path, { headers: [['accept', 'text/html']] }),
    context,
  );
  return (await r.arrayBuffer()).byteLength;
}
for (let i = 0; i < 500; i++) await once();
const N = Number(process.argv[3] ?? 3000);
const t = performance.now();
let bytes = 0;
for (let i = 0; i < N; i++) bytes = await once();
const us = ((performance.now() - t) * 1000) / N;
console.log(JSON.stringify({ path, usPerRender: Math.round(us), bytes }));
