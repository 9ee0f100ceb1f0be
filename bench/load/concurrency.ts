/** The concurrencies every load suite runs at: BYODA_BENCH_CONNECTIONS, default "1,32". */
export const CONNECTIONS: readonly number[] = (process.env['BYODA_BENCH_CONNECTIONS'] ?? '1,32')
  .split(',')
  .map((c) => Number(c.trim()))
  .filter((c) => Number.isInteger(c) && c > 0);
