// Fails any test during which a canary value (spec/helpers/canary.ts) was printed to the console,
// written to stdout or stderr, or handed to leakCheck() (logger records, hook arguments, errors).
import { LeakDetector, setActiveLeakDetector } from '../helpers/canary.js';

const detector = new LeakDetector();

beforeEach(() => {
  detector.install();
  setActiveLeakDetector(detector);
});

afterEach(() => {
  detector.restore();
  setActiveLeakDetector(undefined);
  detector.check();
});
