export * from './auth';
export * from './catalog';
export * from './site';
export * from './generations';
