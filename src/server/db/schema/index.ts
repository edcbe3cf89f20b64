export * from './auth';
export * from './catalog';
export * from './credits';
export * from './site';
export * from './generations';
export * from './audit';
export * from './billing';
