// Regenerates the TypeScript types in src/generated from the protos with @grpc/proto-loader's generator.
// The flags here must describe the same object shapes as LOADER_OPTIONS in src/index.ts (camelCase fields,
// 64-bit integers as strings, enums as strings, defaults filled in, a virtual `payload` field naming the oneof
// member). The freshness test runs this script into a temp dir and compares the result with the committed files.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const packageDir = path.resolve(__dirname, '..');
const protoDir = path.join(packageDir, 'proto');
const protoFiles = ['quire/federation/v1/federation.proto'];
const generatorFlags = [
  '--grpcLib=@grpc/grpc-js',
  '--longs=String',
  '--enums=String',
  '--defaults',
  '--oneofs',
];

/** Replaces `outDir` with the generated types for every proto file, so types of removed messages go too. */
function generate(outDir) {
  fs.rmSync(outDir, { recursive: true, force: true });
  const cli = require.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js');
  // Running from the proto dir with a relative include keeps absolute checkout paths out of the output, so the
  // committed files are the same on every machine.
  execFileSync(
    process.execPath,
    [cli, ...generatorFlags, '-I', '.', '-O', path.resolve(outDir), ...protoFiles],
    {
      cwd: protoDir,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

// `node scripts/gen-types.cjs [outDir]`: outDir defaults to the committed src/generated.
if (require.main === module) {
  generate(process.argv[2] ?? path.join(packageDir, 'src', 'generated'));
}
