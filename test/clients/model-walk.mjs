// Sends every operation given in MODEL_WALK_INPUTS ({"Operation": input, …}; timestamps as {"$date": seconds}, blobs as
// {"$blob": base64}) to the service MODEL_WALK_SERVICE names (xray or kms) with the real AWS SDK for JavaScript v3, and
// prints one JSON line per operation: its name and the SDK's result or error name.
import * as xraySdk from '@aws-sdk/client-xray';
import * as kmsSdk from '@aws-sdk/client-kms';
import { clientConfig } from './support.mjs';

const services = {
  xray: { sdk: xraySdk, client: () => new xraySdk.XRayClient(clientConfig()) },
  kms: { sdk: kmsSdk, client: () => new kmsSdk.KMSClient(clientConfig()) },
};
const service = services[process.env.MODEL_WALK_SERVICE];
if (!service) throw new Error(`MODEL_WALK_SERVICE must be one of ${Object.keys(services)}`);
const client = service.client();

const revive = (value) => {
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === 'object') {
    if ('$date' in value) return new Date(value.$date * 1000);
    if ('$blob' in value) return Uint8Array.from(Buffer.from(value.$blob, 'base64'));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  }
  return value;
};

const inputs = JSON.parse(process.env.MODEL_WALK_INPUTS);
for (const [operation, input] of Object.entries(inputs)) {
  const Command = service.sdk[`${operation}Command`];
  if (!Command) {
    console.log(JSON.stringify({ operation, missing: true }));
    continue;
  }
  try {
    const output = await client.send(new Command(revive(input)));
    console.log(JSON.stringify({ operation, status: output.$metadata.httpStatusCode }));
  } catch (error) {
    console.log(JSON.stringify({ operation, error: error.name, status: error.$metadata?.httpStatusCode, message: error.message }));
  }
}
