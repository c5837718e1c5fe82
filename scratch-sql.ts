import { createAiDatabase } from './src/index.js';
const db = await createAiDatabase({ url: process.argv[2]! });
await db.searchRuns(process.argv[3]!, { orderBy: process.argv[4], limit: 100 });
await db.close();
