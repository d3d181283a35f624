// Sends every KMS operation given in MODEL_WALK_INPUTS ({"Operation": input, …}; blobs as {"$blob": base64}) with the real
// AWS SDK for JavaScript v3 and prints one JSON line per operation: its name and the SDK's result or error name.
import * as kmsSdk from '@aws-sdk/client-kms';
import { clientConfig } from './support.mjs';

const kms = new kmsSdk.KMSClient(clientConfig());
const revive = (value) => {
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === 'object') {
    if ('$blob' in value) return Uint8Array.from(Buffer.from(value.$blob, 'base64'));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  }
  return value;
};

const inputs = JSON.parse(process.env.MODEL_WALK_INPUTS);
for (const [operation, input] of Object.entries(inputs)) {
  const Command = kmsSdk[`${operation}Command`];
  if (!Command) {
    console.log(JSON.stringify({ operation, missing: true }));
    continue;
  }
  try {
    const output = await kms.send(new Command(revive(input)));
    console.log(JSON.stringify({ operation, status: output.$metadata.httpStatusCode }));
  } catch (error) {
    console.log(JSON.stringify({ operation, error: error.name, status: error.$metadata?.httpStatusCode, message: error.message }));
  }
}
