package skiff.test;

/** A Node.js web app for the router and log tests: names its dyno, echoes headers, streams, sleeps, logs, echoes WebSockets. */
public final class RouterApp {
  private RouterApp() {}

  public static final String PACKAGE = """
      {"name": "router-app", "version": "1.0.0", "scripts": {"start": "node server.js"}}
      """;

  public static final String SERVER = """
      const http = require('http');
      const crypto = require('crypto');
      const CHUNK = Buffer.alloc(4096, 121);
      const server = http.createServer((req, res) => {
        const url = new URL(req.url, 'http://app');
        const ms = Number(url.searchParams.get('ms') || 0);
        if (url.pathname === '/') {
          if (process.env.SLOW_DYNO === process.env.DYNO) {
            setTimeout(() => res.end(process.env.DYNO), 50);
          } else {
            res.end(process.env.DYNO);
          }
        } else if (url.pathname === '/say') {
          console.log('said ' + url.searchParams.get('m'));
          res.end('ok');
        } else if (url.pathname === '/flood') {
          const n = Number(url.searchParams.get('n') || 0);
          for (let i = 0; i < n; i++) { console.log('flood line ' + i + ' ' + 'x'.repeat(60)); }
          res.end('flooded ' + n);
        } else if (url.pathname === '/emit') {
          // rate lines a second for ms milliseconds, each with the wall-clock time it was written
          const rate = Number(url.searchParams.get('rate') || 1000);
          const until = Date.now() + ms;
          const origin = performance.timeOrigin;
          let sent = 0;
          const tick = setInterval(() => {
            const due = Math.min(rate / 100, rate * (until - Date.now()) / 1000);
            for (let i = 0; i < due; i++) { console.log('emit ' + (origin + performance.now()).toFixed(3) + ' ' + sent++); }
            if (Date.now() >= until) { clearInterval(tick); res.end('emitted ' + sent); }
          }, 10);
        } else if (url.pathname === '/headers') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(req.headers));
        } else if (url.pathname === '/slow') {
          setTimeout(() => res.end('slow done'), ms);
        } else if (url.pathname === '/poll') {
          res.writeHead(200, {'content-type': 'text/plain'});
          res.flushHeaders();
          setTimeout(() => res.end('poll answered'), ms);
        } else if (url.pathname === '/stream') {
          res.writeHead(200, {'content-type': 'text/plain'});
          let i = 0;
          const timer = setInterval(() => {
            res.write('chunk ' + i + '\\n');
            if (++i === 3) { clearInterval(timer); res.end(); }
          }, 500);
        } else if (url.pathname === '/chunked') {
          // 64 KB as 16 chunks written at once: a stream's framing without its waiting
          res.writeHead(200, {'content-type': 'application/octet-stream'});
          for (let i = 0; i < 16; i++) res.write(CHUNK);
          res.end();
        } else if (url.pathname === '/upload') {
          let n = 0;
          req.on('data', c => n += c.length);
          req.on('end', () => res.end('received ' + n));
        } else if (url.pathname === '/big') {
          res.end(Buffer.alloc(1024 * 1024, 120));
        } else {
          res.statusCode = 404;
          res.end('not here');
        }
      });
      server.on('upgrade', (req, socket) => {
        const accept = crypto.createHash('sha1')
          .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
        socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n'
          + 'Sec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
        socket.on('data', buf => {
          if ((buf[0] & 0x0f) === 8) { socket.end(); return; }
          const len = buf[1] & 0x7f;
          const mask = buf.slice(2, 6);
          const data = Buffer.alloc(len);
          for (let i = 0; i < len; i++) data[i] = buf[6 + i] ^ mask[i % 4];
          socket.write(Buffer.concat([Buffer.from([0x81, len + 6]), Buffer.from('echo: '), data]));
        });
      });
      server.keepAliveTimeout = 95000;
      server.listen(process.env.PORT);
      """;
}
