// Every op family registers itself in the catalog on import.
import './unary.js';
import './binary.js';
import './reduce.js';
import './products.js';
import './special.js';
import './shape.js';
import './indexing.js';
import './fft.js';
import './linalg.js';
import './scipy_linalg.js';
import './misc.js';
import './signal.js';
import './scipy_special.js';
import './stats.js';
