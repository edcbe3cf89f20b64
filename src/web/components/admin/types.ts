/**
 * The admin API's shapes as the admin pages see them (JSON: dates are ISO
 * strings). Provider and audit views come from the server modules that build
 * them, as types only, so a change there fails the typecheck here.
 */
import type {
  AdminMemberView,
  CreditAdjustmentResult as ServerAdjustmentResult,
} from '../../../server/admin/members';
import type { AdminProviderView, ConnectionResult } from '../../../server/admin/providers';
import type { ModelCapabilities, ModelPricing, RouteOptions } from '../../../server/catalog/capabilities';

export type AdminProvider = AdminProviderView;
export type { ConnectionResult, ModelCapabilities, ModelPricing, RouteOptions };
export type ConnectionCode = ConnectionResult['code'];

/** One route of a model as `GET /api/admin/models` shows it (routes.ts `modelView`). */
export interface AdminRoute {
  position: number;
  providerId: string;
  providerModelId: string;
  options: RouteOptions;
  enabled: boolean;
  /** Enabled, and so is its provider. */
  isAvailable: boolean;
}

/** A model as `GET /api/admin/models` shows it: everything, disabled and unusable ones included. */
export interface AdminModel {
  id: string;
  nameEn: string;
  nameZh: string;
  descriptionEn: string | null;
  descriptionZh: string | null;
  enabled: boolean;
  isUsable: boolean;
  sortOrder: number;
  capabilities: ModelCapabilities;
  pricing: ModelPricing;
  routes: AdminRoute[];
  updatedAt: string;
}

/** What a route is saved as (`routes` of PATCH and POST /api/admin/models). */
export interface RouteInput {
  providerId: string;
  providerModelId: string;
  options?: RouteOptions;
  enabled?: boolean;
}

export interface ProviderChange {
  enabled?: boolean;
  baseUrl?: string | null;
  apiKey?: string;
  removeKey?: true;
  nameEn?: string;
  nameZh?: string;
}

export interface NewProvider {
  id: string;
  nameEn: string;
  nameZh: string;
  baseUrl: string;
  apiKey?: string;
}

export interface ModelChange {
  enabled?: boolean;
  nameEn?: string;
  nameZh?: string;
  sortOrder?: number;
  pricing?: ModelPricing;
  routes?: RouteInput[];
}

export interface NewModel {
  id: string;
  nameEn: string;
  nameZh: string;
  capabilities: ModelCapabilities;
  pricing: ModelPricing;
  routes: RouteInput[];
}

/** One row of the audit log (`GET /api/admin/audit`). */
export interface AuditItem {
  id: string;
  actorId: string;
  actorEmail: string;
  action: string;
  targetType: string;
  targetId: string;
  details: Record<string, unknown>;
  ip: string | null;
  createdAt: string;
}

/** A member as `GET /api/admin/users` lists them, with their balance. */
export type AdminMember = AdminMemberView;

/** What `POST /api/admin/users/:id/credits` takes: amount > 0 grants, < 0 revokes. */
export interface CreditAdjustmentBody {
  amount: number;
  reason: string;
  idempotencyKey: string;
  expiresAt?: string;
  allowPartial?: boolean;
}

/** Its answer (the original one for a replayed key). */
export type CreditAdjustmentResult = ServerAdjustmentResult;
