/**
 * Chooses the storage driver once, from configuration. Domain code receives
 * an ObjectStorage and never knows which one it got.
 */
import { createDiskStorage, type DiskStorageOptions } from './disk-storage';
import type { ObjectStorage } from './object-storage';
import { createS3Storage, type S3StorageOptions } from './s3-storage';

export type StorageOptions =
  ({ driver: 'disk' } & DiskStorageOptions) | ({ driver: 's3' } & S3StorageOptions);

export async function createStorage(options: StorageOptions): Promise<ObjectStorage> {
  switch (options.driver) {
    case 'disk':
      return createDiskStorage({ root: options.root });
    case 's3':
      return createS3Storage(options);
  }
}
