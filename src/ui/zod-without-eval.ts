/**
 * Imported first by the dashboard's entry. The route table brings zod into the bundle, and zod probes
 * whether `new Function` may run before compiling fast parsers; under the server's strict CSP that
 * probe is reported as a violation even though zod catches it. Without the JIT zod never probes.
 */
import { z } from 'zod';

z.config({ jitless: true });
