// Sends every X-Ray operation given in MODEL_WALK_INPUTS ({"Operation": input, …}; timestamps as {"$date": seconds}) with
// the real AWS SDK for JavaScript v3 and prints one JSON line per operation: its name and the SDK's result or error name.
import * as xraySdk from '@aws-sdk/client-xray';
import { clientConfig } from './support.mjs';

const xray = new xraySdk.XRayClient(clientConfig());
const revive = (value) => {
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === 'object') {
    if ('$date' in value) return new Date(value.$date * 1000);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  }
  return value;
};

const inputs = JSON.parse(process.env.MODEL_WALK_INPUTS);
for (const [operation, input] of Object.entries(inputs)) {
  const Command = xraySdk[`${operation}Command`];
  if (!Command) {
    console.log(JSON.stringify({ operation, missing: true }));
    continue;
  }
  try {
    const output = await xray.send(new Command(revive(input)));
    console.log(JSON.stringify({ operation, status: output.$metadata.httpStatusCode }));
  } catch (error) {
    console.log(JSON.stringify({ operation, error: error.name, status: error.$metadata?.httpStatusCode, message: error.message }));
  }
}
