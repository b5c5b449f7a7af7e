#!/usr/bin/env node
// Replays the Dockerfile's build stages without Docker, so a build that would fail in CI's image job
// (or in `./setup.sh up --local-images`) fails here first. For each stage, in order:
//   - the stage's file system starts empty (an image base) or as its parent stage left it (FROM <stage>);
//   - each COPY copies exactly what Docker would send and copy (the build context minus .dockerignore,
//     or the named files of an earlier stage) into that file system;
//   - before a `dotnet restore`, every project the restored project references must already be there
//     (a restore with a missing project prints "Skipping project" and still exits 0);
//   - every tool a RUN calls must be installed by the stage (apt-get install of a known package) or be
//     documented as present in its base image (BASE_IMAGES below); the RUN commands then run with a PATH
//     that holds exactly those tools, so a tool called indirectly (npm from an MSBuild target) is missing
//     here exactly when it is missing in the image;
//   - the ENTRYPOINT's program and file exist.
// apt-get is not run (it would change this machine): the packages' commands are taken from this
// machine's PATH. Where FLIGHTS_KAFKA_STANDIN=true (setup.sh sets it when the real Functions Kafka
// extension cannot be restored here), dotnet restore/build/publish get -p:KafkaExtensionStandIn=true
// and the output says so.
//
// Prints one "ok   ..." or "FAIL ..." line per stage and exits 1 when any stage fails.
//   node tests/manifests/dockerfile-replay.mjs [path/to/Dockerfile]
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const DOCKERFILE = path.resolve(process.argv[2] ?? path.join(ROOT, "Dockerfile"));
const CONTEXT = path.dirname(DOCKERFILE);
const STANDIN = process.env.FLIGHTS_KAFKA_STANDIN === "true";

// What a Debian/Ubuntu base image has before any stage adds to it: the essential packages of
// ubuntu:noble / debian:bookworm (bash, dash as sh, coreutils, findutils, grep, sed, tar, gzip, apt).
const DISTRO_TOOLS = ["sh", "bash", "apt-get", "apt", "dpkg", "cat", "cp", "mv", "rm", "mkdir", "rmdir", "ls", "ln", "chmod",
  "chown", "touch", "test", "[", "echo", "printf", "env", "true", "false", "head", "tail", "cut", "sort", "uniq", "wc", "tr",
  "tee", "dirname", "basename", "readlink", "realpath", "date", "sleep", "id", "uname", "mktemp", "install", "stat",
  "sha256sum", "sha512sum", "find", "xargs", "grep", "sed", "tar", "gzip"];

// Tools each base image documents, with the upstream file that says so.
const BASE_IMAGES = {
  // dotnet/dotnet-docker src/sdk/10.0/noble/amd64/Dockerfile: apt-get install curl git libatomic1 wget,
  // the SDK under /usr/share/dotnet (dotnet), PowerShell (pwsh); on top of the aspnet, runtime and
  // runtime-deps noble images (ubuntu:noble). No Node.js (dotnet/dotnet-docker#3909).
  "mcr.microsoft.com/dotnet/sdk:10.0-noble": { tools: [...DISTRO_TOOLS, "dotnet", "pwsh", "curl", "wget", "git"] },
  // The moving 10.0 tags: the sdk and aspnet Dockerfiles of every Linux distribution under
  // src/sdk/10.0/ and src/aspnet/10.0/ (noble, trixie-slim, ...) install the same tools.
  "mcr.microsoft.com/dotnet/sdk:10.0": { tools: [...DISTRO_TOOLS, "dotnet", "pwsh", "curl", "wget", "git"] },
  // dotnet/dotnet-docker src/aspnet/10.0/noble/amd64/Dockerfile: the ASP.NET Core runtime (dotnet).
  "mcr.microsoft.com/dotnet/aspnet:10.0-noble": { tools: [...DISTRO_TOOLS, "dotnet"] },
  "mcr.microsoft.com/dotnet/aspnet:10.0": { tools: [...DISTRO_TOOLS, "dotnet"] },
  // Azure/azure-functions-docker host/4/bookworm/amd64/dotnet/dotnet-isolated/dotnet-isolated.Dockerfile:
  // the Functions host in /azure-functions-host, started by the image's own entry point, and the .NET runtime.
  "mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0": { tools: [...DISTRO_TOOLS, "dotnet"] },
};

// Commands a Debian/Ubuntu package puts on PATH (packages.debian.org / packages.ubuntu.com file lists).
const PACKAGE_COMMANDS = {
  nodejs: ["node", "nodejs"], npm: ["npm", "npx"], curl: ["curl"], wget: ["wget"], git: ["git"], unzip: ["unzip"],
  jq: ["jq"], "ca-certificates": [], gnupg: ["gpg"], "libatomic1": [],
};

const SHELL_WORDS = new Set(["cd", "export", "set", "test", "[", "echo", "printf", "true", "false", "exit", "for", "do", "done",
  "if", "then", "else", "elif", "fi", "while", "until", "case", "esac", "in", ":", ".", "source", "read", "shift", "unset",
  "local", "return", "command", "exec", "eval", "trap", "wait", "umask", "!", "{", "}"]);
const FHS = new Set(["bin", "boot", "dev", "etc", "home", "lib", "lib64", "media", "mnt", "opt", "proc", "root", "run", "sbin",
  "srv", "sys", "tmp", "usr", "var"]);

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

function parseDockerfile(text) {
  const instructions = [];
  let current = null;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (current === null && (/^\s*#/.test(line) || !line.trim())) return; // comments and parser directives
    if (current !== null && /^\s*#/.test(line)) return; // comment lines inside a continued instruction
    const continued = /\\\s*$/.test(line);
    const part = continued ? line.replace(/\\\s*$/, "") : line;
    if (current === null) current = { line: i + 1, text: part };
    else current.text += part; // Docker drops the escaped newline
    if (!continued) {
      const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(current.text);
      if (m) instructions.push({ op: m[1].toUpperCase(), args: m[2].trim(), line: current.line });
      current = null;
    }
  });
  const globalArgs = {};
  const stages = [];
  for (const ins of instructions) {
    if (ins.op === "FROM") {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      stages.push({ base: substitute(m[1], globalArgs), name: m[2] ?? String(stages.length), line: ins.line, instructions: [] });
    } else if (!stages.length) {
      if (ins.op === "ARG") {
        const [k, ...v] = ins.args.split("=");
        globalArgs[k.trim()] = v.join("=").trim();
      }
    } else {
      stages.at(-1).instructions.push(ins);
    }
  }
  return stages;
}

function substitute(s, vars) {
  return s.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a, b) => vars[a ?? b] ?? all);
}

/** COPY/ADD arguments: flags, sources, destination (JSON or plain form). */
function parseCopy(args) {
  const flags = {};
  let rest = args;
  for (;;) {
    const m = /^--(\w[\w-]*)(?:=(\S+))?\s+/.exec(rest);
    if (!m) break;
    flags[m[1]] = m[2] ?? true;
    rest = rest.slice(m[0].length);
  }
  const words = rest.startsWith("[") ? JSON.parse(rest) : rest.split(/\s+/).filter(Boolean);
  return { flags, sources: words.slice(0, -1), dest: words.at(-1) };
}

// ---------------------------------------------------------------------------------------------
// .dockerignore (github.com/moby/patternmatcher: filepath.Match plus "**", "!" exceptions, last match wins)
// ---------------------------------------------------------------------------------------------

function dockerignore() {
  const file = path.join(CONTEXT, ".dockerignore");
  if (!fs.existsSync(file)) return () => false;
  const rules = fs.readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).map((l) => {
    const exclude = !l.startsWith("!");
    const pattern = path.posix.normalize((exclude ? l : l.slice(1)).replace(/^\/+/, "")).replace(/\/+$/, "");
    const re = pattern.split("/").map((seg) => (seg === "**" ? "(?:.*)" : seg.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")))
      .join("/").replace(/\(\?:\.\*\)\//g, "(?:.*/)?");
    // A pattern that matches a directory excludes everything below it.
    return { exclude, re: new RegExp(`^${re}(?:/.*)?$`) };
  });
  return (rel) => {
    let ignored = false;
    for (const r of rules) if (r.re.test(rel)) ignored = r.exclude;
    return ignored;
  };
}

// ---------------------------------------------------------------------------------------------
// Replay
// ---------------------------------------------------------------------------------------------

const work = fs.mkdtempSync(path.join(os.tmpdir(), "flights-dockerfile-"));
const rootfs = path.join(work, "rootfs"); // one path for every stage: restore outputs hold absolute paths
const snapshots = path.join(work, "snapshots");
const ignored = dockerignore();
const toHost = (p) => path.join(rootfs, p);

function copyTree(from, to, filter) {
  const st = fs.statSync(from);
  if (st.isDirectory()) {
    fs.mkdirSync(to, { recursive: true });
    for (const e of fs.readdirSync(from)) {
      const child = path.join(from, e);
      if (filter && !filter(child)) continue;
      copyTree(child, path.join(to, e), filter);
    }
  } else {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
  }
}

function contextFilter(p) {
  const rel = path.relative(CONTEXT, p).split(path.sep).join("/");
  return !ignored(rel);
}

function globSources(baseDir, pattern) {
  if (!/[*?[]/.test(pattern)) return [path.join(baseDir, pattern)];
  const dir = path.join(baseDir, path.dirname(pattern));
  const re = new RegExp(`^${path.basename(pattern).replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => re.test(f)).map((f) => path.join(dir, f)) : [];
}

/** COPY: files into dest, directories' contents into dest (Docker's rules). */
function copy(ins, stage, problems) {
  const { flags, sources, dest } = parseCopy(substitute(ins.args, stage.env));
  const destAbs = path.posix.resolve(stage.workdir, dest);
  let fromRoot, filter;
  if (flags.from) {
    const snap = path.join(snapshots, flags.from);
    if (byName.get(flags.from)?.failed) { problems.push(`line ${ins.line}: COPY --from=${flags.from}: that stage failed`); return; }
    if (!fs.existsSync(snap)) { problems.push(`line ${ins.line}: COPY --from=${flags.from}: no earlier stage of that name`); return; }
    fromRoot = snap;
  } else {
    fromRoot = CONTEXT; filter = contextFilter;
  }
  const many = sources.length > 1 || sources.some((s) => /[*?[]/.test(s));
  for (const src of sources) {
    const rel = flags.from ? src.replace(/^\/+/, "") : src;
    const matches = globSources(fromRoot, rel).filter((m) => fs.existsSync(m) && (!filter || filter(m)));
    if (!matches.length) { problems.push(`line ${ins.line}: COPY ${flags.from ? `--from=${flags.from} ` : ""}${src}: not found${flags.from ? " in that stage" : " in the build context (or excluded by .dockerignore)"}`); continue; }
    for (const m of matches) {
      const isDir = fs.statSync(m).isDirectory();
      const target = isDir ? destAbs : (dest.endsWith("/") || many ? path.posix.join(destAbs, path.basename(m)) : destAbs);
      copyTree(m, toHost(target), filter);
    }
  }
}

/** The commands a shell line runs: first words of each simple command (plus find -exec, xargs). */
function commandsOf(script) {
  const unquoted = script.replace(/'[^']*'|"(?:[^"\\]|\\.)*"/g, "Q");
  const found = [];
  for (let seg of unquoted.split(/&&|\|\||;|\||\(|\)|\n|`|\$\(/)) {
    const words = seg.trim().split(/\s+/).filter(Boolean);
    while (words.length && (/^\w+=/.test(words[0]) || ["then", "do", "else", "!", "{", "time"].includes(words[0]))) words.shift();
    if (!words.length || ["for", "case", "esac", "done", "fi", "}"].includes(words[0])) continue;
    found.push(path.posix.basename(words[0]));
    words.forEach((w, i) => {
      if ((w === "-exec" || w === "-execdir") && words[i + 1]) found.push(path.posix.basename(words[i + 1]));
    });
    if (words[0] === "xargs") { const w = words.slice(1).find((x) => !x.startsWith("-")); if (w) found.push(w); }
  }
  return found.filter((c) => !SHELL_WORDS.has(c)); // builtins of sh need no tool
}

/** apt-get install lines: the packages they install, or null when the RUN is not only package management. */
function aptPackages(script) {
  const segments = script.split(/&&|;/).map((s) => s.trim()).filter(Boolean);
  const packages = [];
  let apt = false;
  for (const s of segments) {
    const words = s.split(/\s+/).filter((w) => !/^\w+=/.test(w));
    if (words[0] === "apt-get" || words[0] === "apt") {
      apt = true;
      if (words.includes("install")) packages.push(...words.slice(words.indexOf("install") + 1).filter((w) => !w.startsWith("-")));
    } else if (!(words[0] === "rm" && s.includes("/var/lib/apt/lists"))) {
      return apt ? null : undefined;
    }
  }
  return apt ? packages : undefined;
}

function whichOnHost(tool) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const p = path.join(dir, tool);
    try { fs.accessSync(p, fs.constants.X_OK); if (fs.statSync(p).isFile()) return p; } catch { /* next */ }
  }
  return null;
}

/** Projects a restore reads: the project and, transitively, its ProjectReferences. */
function missingReferences(projectAbs, seen = new Set()) {
  const missing = [];
  if (seen.has(projectAbs)) return missing;
  seen.add(projectAbs);
  const text = fs.readFileSync(projectAbs, "utf8");
  for (const m of text.matchAll(/<ProjectReference\s+Include="([^"]+)"/g)) {
    const ref = path.resolve(path.dirname(projectAbs), m[1].replaceAll("\\", "/"));
    if (!fs.existsSync(ref)) missing.push(`/${path.relative(rootfs, ref)} (referenced by ${path.basename(projectAbs)})`);
    else missing.push(...missingReferences(ref, seen));
  }
  return missing;
}

/** Programs the MSBuild Exec tasks of a project and its references run: [program, project file]. */
function execTools(projectAbs, seen = new Set()) {
  if (seen.has(projectAbs) || !fs.existsSync(projectAbs)) return [];
  seen.add(projectAbs);
  const text = fs.readFileSync(projectAbs, "utf8");
  // $(Name) in an Exec command is an MSBuild property, expanded before the shell runs: not a command substitution.
  const tools = [...text.matchAll(/<Exec\s[^>]*Command="([^"]+)"/g)].flatMap((m) => commandsOf(m[1].replace(/&amp;/g, "&").replace(/\$\([\w.]+\)/g, "P")))
    .map((t) => [t, path.basename(projectAbs)]);
  for (const m of text.matchAll(/<ProjectReference\s+Include="([^"]+)"/g)) {
    tools.push(...execTools(path.resolve(path.dirname(projectAbs), m[1].replaceAll("\\", "/")), seen));
  }
  return tools;
}

function mapPaths(script) {
  // Absolute paths the Dockerfile itself introduces (/src, /out ...) live in the replayed file system.
  return script.replace(/(^|[\s=:'"])(\/([A-Za-z0-9._-]+)[^\s'";&|)]*)/g, (all, pre, p, first) => (FHS.has(first) ? all : `${pre}${toHost(p)}`));
}

function withStandIn(script) {
  if (!STANDIN) return script;
  return script.replace(/\bdotnet\s+(restore|build|publish)\b/g, "dotnet $1 -p:KafkaExtensionStandIn=true");
}

function run(ins, stage, problems, notes) {
  const script = ins.args.startsWith("[") ? JSON.parse(ins.args).join(" ") : ins.args;
  const packages = aptPackages(script);
  if (packages === null) { problems.push(`line ${ins.line}: keep apt-get in a RUN of its own, so its packages can be modelled`); return; }
  if (packages) {
    for (const p of packages) {
      const cmds = PACKAGE_COMMANDS[p];
      if (!cmds) { problems.push(`line ${ins.line}: apt package ${p}: which commands it installs is not known (add it to PACKAGE_COMMANDS)`); continue; }
      cmds.forEach((c) => stage.tools.add(c));
    }
    notes.push(`apt-get install ${packages.join(" ")} modelled (not run)`);
    return;
  }
  for (const cmd of commandsOf(script)) {
    if (!stage.tools.has(cmd)) problems.push(`line ${ins.line}: runs ${cmd}, which the stage does not install and its base image ${stage.image} does not document`);
  }
  // A build runs what the projects' Exec tasks name (npm ci in Flights.Dashboard, for one).
  for (const m of script.matchAll(/\bdotnet\s+(?:build|publish|pack|test)\s+(\S+)/g)) {
    const seen = new Set();
    for (const [tool, project] of execTools(toHost(path.posix.resolve(stage.workdir, m[1])))) {
      if (seen.has(`${tool} ${project}`)) continue;
      seen.add(`${tool} ${project}`);
      if (!stage.tools.has(tool)) problems.push(`line ${ins.line}: dotnet ${m[0].split(/\s+/)[1]} ${m[1]} runs ${tool} (an Exec task in ${project}), which the stage does not install and its base image ${stage.image} does not document`);
    }
  }
  for (const m of script.matchAll(/\bdotnet\s+restore\s+(\S+)/g)) {
    const proj = path.posix.resolve(stage.workdir, m[1]);
    if (!fs.existsSync(toHost(proj))) { problems.push(`line ${ins.line}: dotnet restore ${m[1]}: the project is not in the stage`); continue; }
    for (const miss of missingReferences(toHost(proj))) problems.push(`line ${ins.line}: dotnet restore ${m[1]}: ${miss} is not copied before the restore`);
  }
  if (problems.length) return;
  // A PATH that holds only the stage's tools, taken from this machine.
  const bin = path.join(work, `bin-${stage.name}`);
  fs.rmSync(bin, { recursive: true, force: true });
  fs.mkdirSync(bin, { recursive: true });
  for (const t of stage.tools) {
    const host = whichOnHost(t);
    if (host) fs.symlinkSync(host, path.join(bin, t));
  }
  const cwd = toHost(stage.workdir);
  fs.mkdirSync(cwd, { recursive: true });
  const log = path.join(work, `${stage.name}-line${ins.line}.log`);
  const fd = fs.openSync(log, "w");
  const env = {
    ...process.env, ...stage.env, PATH: bin, DOTNET_CLI_TELEMETRY_OPTOUT: "1", DOTNET_NOLOGO: "1",
    MSBUILDDISABLENODEREUSE: "1", DOTNET_CLI_USE_MSBUILD_SERVER: "0",
  };
  const r = spawnSync("/bin/sh", ["-c", withStandIn(mapPaths(script))], { cwd, env, stdio: ["ignore", fd, fd], timeout: 20 * 60 * 1000 });
  fs.closeSync(fd);
  const out = fs.readFileSync(log, "utf8");
  const skipped = out.split("\n").filter((l) => /Skipping project|MSB9008|NU1105/.test(l));
  if (r.status !== 0) {
    const errors = [...new Set(out.split("\n").filter((l) => /error|not found|needed/i.test(l)).map((l) => l.trim().replace(rootfs, "").slice(0, 240)))].slice(0, 3);
    problems.push(`line ${ins.line}: RUN exited ${r.status ?? r.signal}: ${errors.join(" | ") || out.trim().split("\n").slice(-3).join(" | ")}`);
  } else if (skipped.length) {
    problems.push(`line ${ins.line}: ${skipped[0].trim().replace(rootfs, "").slice(0, 240)}`);
  }
}

const stages = parseDockerfile(fs.readFileSync(DOCKERFILE, "utf8"));
const byName = new Map();
const referenced = new Set(stages.flatMap((s) => [s.base, ...s.instructions.filter((i) => i.op === "COPY").map((i) => parseCopy(i.args).flags.from)]).filter(Boolean));
let failed = 0;
if (STANDIN) console.log("NOTE Dockerfile replay: dotnet restore/build/publish run with -p:KafkaExtensionStandIn=true (Microsoft.Azure.Functions.Worker.Extensions.Kafka cannot be restored here); the image build restores the real package");
for (const stage of stages) {
  const started = Date.now();
  const problems = [], notes = [];
  const parent = byName.get(stage.base);
  fs.rmSync(rootfs, { recursive: true, force: true });
  if (parent) {
    if (parent.failed) { console.log(`FAIL Dockerfile stage ${stage.name}: its parent stage ${stage.base} failed`); failed++; stage.failed = true; byName.set(stage.name, stage); continue; }
    copyTree(path.join(snapshots, parent.name), rootfs);
    Object.assign(stage, { image: parent.image, tools: new Set(parent.tools), workdir: parent.workdir, env: { ...parent.env } });
  } else {
    const base = BASE_IMAGES[stage.base];
    fs.mkdirSync(rootfs, { recursive: true });
    Object.assign(stage, { image: stage.base, tools: new Set(base?.tools ?? []), workdir: "/", env: {} });
    if (!base) problems.push(`base image ${stage.base}: its tools are not documented here (add it to BASE_IMAGES with its upstream Dockerfile)`);
  }
  for (const ins of stage.instructions) {
    if (problems.length) break;
    switch (ins.op) {
      case "WORKDIR": stage.workdir = path.posix.resolve(stage.workdir, substitute(ins.args, stage.env)); fs.mkdirSync(toHost(stage.workdir), { recursive: true }); break;
      case "ENV": for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S*)/g)) stage.env[m[1]] = substitute(m[2].replace(/^"|"$/g, ""), stage.env); break;
      case "COPY": copy(ins, stage, problems); break;
      case "ADD": problems.push(`line ${ins.line}: ADD is not modelled; use COPY`); break;
      case "RUN": run(ins, stage, problems, notes); break;
      case "ENTRYPOINT": {
        const argv = ins.args.startsWith("[") ? JSON.parse(ins.args) : ins.args.split(/\s+/);
        if (!stage.tools.has(path.posix.basename(argv[0]))) problems.push(`line ${ins.line}: ENTRYPOINT runs ${argv[0]}, which ${stage.image} does not document`);
        for (const a of argv.slice(1).filter((x) => /\.(dll|sh)$/.test(x))) {
          if (!fs.existsSync(toHost(path.posix.resolve(stage.workdir, a)))) problems.push(`line ${ins.line}: ENTRYPOINT needs ${path.posix.resolve(stage.workdir, a)}, which the stage does not have`);
        }
        break;
      }
      default: break; // ARG, USER, EXPOSE, CMD, LABEL: nothing to replay
    }
  }
  stage.failed = problems.length > 0;
  byName.set(stage.name, stage);
  if (!stage.failed && referenced.has(stage.name)) copyTree(rootfs, path.join(snapshots, stage.name));
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (stage.failed) { failed++; console.log(`FAIL Dockerfile stage ${stage.name} (FROM ${stage.base}): ${problems.join("; ")}`); }
  else console.log(`ok   Dockerfile stage ${stage.name} (FROM ${stage.base}): ${stage.instructions.filter((i) => i.op === "RUN").length} RUN replayed${notes.length ? `, ${notes.join(", ")}` : ""} (${seconds}s)`);
}
fs.rmSync(work, { recursive: true, force: true });
console.log(`dockerfile replay: ${stages.length - failed} ok, ${failed} failed`);
process.exit(failed ? 1 : 0);
