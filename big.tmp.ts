import { analyticsFill } from './bench/analytics-bench.js';
await analyticsFill('/tmp/big.db');
