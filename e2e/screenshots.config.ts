import { defineConfig } from '@playwright/test';
import base from '../playwright.config';

/** `npm run screenshots`: every page wide and narrow, light and dark, for a person to look at. */
export default defineConfig({ ...base, testDir: '.', testMatch: '**/*.capture.ts' });
