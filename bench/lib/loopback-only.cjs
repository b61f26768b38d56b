'use strict';
// Preloaded (node --require) into third-party servers that would otherwise
// listen on every interface (kinesis-local hard-codes 0.0.0.0, kinesalite's
// CLI passes no host). Forces every TCP listen() onto 127.0.0.1 so the
// benchmark never exposes anything beyond loopback.
const net = require('node:net');
const HOST = process.env.BENCH_BIND_HOST || '127.0.0.1';
const orig = net.Server.prototype.listen;
net.Server.prototype.listen = function patchedListen(...args) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !Array.isArray(first) && !('fd' in first) && !('_handle' in first)) {
    if (first.path === undefined) args[0] = { ...first, host: HOST };
    return orig.apply(this, args);
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const port = Number(first);
    const rest = args.slice(1);
    const cb = typeof rest[rest.length - 1] === 'function' ? rest.pop() : undefined;
    // rest may now hold [host] or [host, backlog] or [backlog]
    let backlog;
    if (rest.length === 2) backlog = rest[1];
    else if (rest.length === 1 && typeof rest[0] === 'number') backlog = rest[0];
    const opts = { port, host: HOST };
    if (backlog !== undefined) opts.backlog = backlog;
    return cb ? orig.call(this, opts, cb) : orig.call(this, opts);
  }
  return orig.apply(this, args);
};
