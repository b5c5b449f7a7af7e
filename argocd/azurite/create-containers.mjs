// Pre-creates the blob containers the Functions host uses for timer leases and schedule status, so
// the first timer run does not race the host's own container creation across two Deployments.
// Plain Node (no packages): one Shared Key signed PUT per container; 201 = created, 409 = exists.
// Azurite's account and key are its published, well-known development credentials, not a secret.
import { createHmac } from "node:crypto";

const account = "devstoreaccount1";
const key = Buffer.from(
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
  "base64");
const endpoint = process.env.BLOB_ENDPOINT ?? `http://azurite:10000/${account}`;
const containers = (process.env.CONTAINERS ?? "azure-webjobs-hosts,azure-webjobs-secrets").split(",");
const version = "2021-08-06";

async function createContainer(name) {
  const url = new URL(`${endpoint}/${name}?restype=container`);
  const date = new Date().toUTCString();
  // Shared Key string-to-sign: verb, 11 standard headers (all empty here), canonical x-ms headers,
  // canonical resource (path-style URLs carry the account name in the path as well).
  const stringToSign = ["PUT", "", "", "", "", "", "", "", "", "", "", "",
    `x-ms-date:${date}`, `x-ms-version:${version}`,
    `/${account}${url.pathname}\nrestype:container`].join("\n");
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("base64");
  const response = await fetch(url, {
    method: "PUT",
    headers: { "x-ms-date": date, "x-ms-version": version, Authorization: `SharedKey ${account}:${signature}` },
  });
  if (response.status !== 201 && response.status !== 409) {
    throw new Error(`PUT ${url}: HTTP ${response.status} ${await response.text()}`);
  }
  console.log(`${name}: ${response.status === 201 ? "created" : "already there"}`);
}

for (let attempt = 1; ; attempt++) {
  try {
    for (const name of containers) await createContainer(name);
    break;
  } catch (error) {
    // Azurite may still be starting: retry for about two minutes, then fail the Job loudly.
    if (attempt >= 24) throw error;
    console.log(`attempt ${attempt}: ${error.message}; retrying in 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}
