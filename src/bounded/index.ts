export { BoundedMap } from './bounded-map.js';
export { mapBounded } from './map-bounded.js';
