export * from './web-document.js';
export * from './provenance.js';
export * from './persona.js';
export * from './scenarios.js';
export * from './synthetic.js';
export * from './dlq.js';
export * from './verified.js';
