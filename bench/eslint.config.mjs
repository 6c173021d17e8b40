// ESLint with only require-atomic-updates, for the benchmark.
export default [
    {
        files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
        languageOptions: { ecmaVersion: 'latest', sourceType: 'module' },
        linterOptions: { reportUnusedDisableDirectives: 'off' },
        rules: { 'require-atomic-updates': 'error' },
    },
];
