import { memoryStore } from '../../src/store/memory.js';
import { blobStoreConformance } from './conformance.js';

blobStoreConformance('memory', async () => ({ store: memoryStore() }), { propertyRuns: 300 });
