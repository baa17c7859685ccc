#!/usr/bin/env node
import { buildApp } from '../lib/app';

// Without credentials both stay undefined and the stacks synthesize environment-agnostic.
buildApp({ env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } });
