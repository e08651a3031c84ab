/** Near-duplicate filters: the module boundary. */
export { normalize, words, wordSet, exactKey, personaId } from './normalize.js';
