// Every op family registers itself in the catalog on import.
import './unary.js';
import './binary.js';
import './reduce.js';
import './shape.js';
import './indexing.js';
