import { index, layout, route, type RouteConfig } from '@react-router/dev/routes';

export default [
  route(':lang', 'routes/lang-layout.tsx', [
    index('routes/home.tsx'),
    route('faq', 'routes/faq.tsx'),
    route('pricing', 'routes/pricing.tsx'),
    route('contact', 'routes/contact.tsx'),
    route('privacy', 'routes/privacy.tsx'),
    route('terms', 'routes/terms.tsx'),
    route('cookies', 'routes/cookies.tsx'),
    route('sign-in', 'routes/sign-in.tsx'),
    route('sign-up', 'routes/sign-up.tsx'),
    layout('routes/member-layout.tsx', [
      route('dashboard', 'routes/dashboard.tsx'),
      route('generate', 'routes/generate.tsx'),
      route('history', 'routes/history.tsx'),
      route('credits', 'routes/credits.tsx'),
      route('compare', 'routes/compare.tsx'),
      route('billing', 'routes/billing.tsx'),
      route('billing/:outcome', 'routes/billing-return.tsx'),
      layout('routes/admin-layout.tsx', [
        route('admin', 'routes/admin-providers.tsx'),
        route('admin/models', 'routes/admin-models.tsx'),
        route('admin/members', 'routes/admin-members.tsx'),
        route('admin/audit', 'routes/admin-audit.tsx'),
      ]),
    ]),
    route('*', 'routes/not-found.tsx', { id: 'lang-not-found' }),
  ]),
  route('*', 'routes/not-found.tsx'),
] satisfies RouteConfig;
