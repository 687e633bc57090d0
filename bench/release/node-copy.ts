/**
 * The Node anchor's child process: `node node-copy.js FILE PORT` streams FILE to 127.0.0.1:PORT with
 * fs.createReadStream(file, 1 MiB reads).pipe(socket), the plain Node copy Quire's raw driver is built on, and
 * exits once the receiver has closed (as a raw printer does after the last byte). Bounded by a 60 s timer.
 */
import { createReadStream } from 'node:fs';
import net from 'node:net';

const [file, port] = [process.argv[2], Number(process.argv[3])];
const deadline = setTimeout(() => {
  process.stderr.write('node-copy: no close within 60 s\n');
  process.exit(2);
}, 60_000);
const socket = net.connect(port, '127.0.0.1');
socket.on('error', (err) => {
  process.stderr.write(`node-copy: ${err.message}\n`);
  process.exit(1);
});
socket.on('close', () => {
  clearTimeout(deadline);
  process.exit(0);
});
socket.resume();
socket.on('connect', () => createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(socket));
