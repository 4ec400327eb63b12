// A compute worker thread (piscina): runs server/exec.ts tasks. Tapes made here stay here between tasks.
import { workerData } from 'piscina';
import { configure, execute } from './exec.js';

configure(workerData.limits);

export default execute;
