/**
 * "What an image costs" on the pricing page: the models a member can use
 * now, each at its cheapest size tier, cheapest first. Only usable models:
 * a price for a model nobody can run would sell credits on a promise.
 */
import type { ModelPriceExample } from '../../shared/billing';
import { listModels } from '../catalog/list-models';
import type { Db } from '../db/client';

const MAX_EXAMPLES = 8;

export async function modelPriceExamples(db: Db): Promise<ModelPriceExample[]> {
  const models = await listModels(db);
  return models
    .map((model) => ({
      modelId: model.id,
      name: { en: model.nameEn, zh: model.nameZh },
      provider: model.provider?.id ?? '',
      credits: Math.min(...Object.values(model.pricing.perImage)),
    }))
    .filter((example) => Number.isFinite(example.credits))
    .sort((a, b) => a.credits - b.credits || a.modelId.localeCompare(b.modelId))
    .slice(0, MAX_EXAMPLES);
}
