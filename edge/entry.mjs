// The worker's entry module: what worker-build generated (edge/build/index.js), with the four
// Durable Object classes wrapped in classes that extend DurableObject. workerd exposes JS RPC
// only on such classes, and worker-build 0.8.7 exports plain (proxied) classes, so without this
// every call into an object would be a fetch: locally a fetch round trip to an object costs more
// than half the throughput of a trivial route, an RPC call almost nothing (README, Performance).
// Each object has one RPC method, `call(op, body)`, answering `[status, body]` (edge/src/rpc.rs).
import { DurableObject } from 'cloudflare:workers';
import worker, {
  KeyGate as RustKeyGate,
  ListMemory as RustListMemory,
  TokenVault as RustTokenVault,
  WebhookCourier as RustWebhookCourier,
} from './build/index.js';

export default worker;

function wrap(Rust) {
  return class extends DurableObject {
    constructor(ctx, env) {
      super(ctx, env);
      this.inner = new Rust(ctx, env);
    }

    fetch(request) {
      return this.inner.fetch(request);
    }

    alarm() {
      return this.inner.alarm();
    }

    call(op, body) {
      return this.inner.call(op, body);
    }
  };
}

export const TokenVault = wrap(RustTokenVault);
export const KeyGate = wrap(RustKeyGate);
export const WebhookCourier = wrap(RustWebhookCourier);
export const ListMemory = wrap(RustListMemory);
