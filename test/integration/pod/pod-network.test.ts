/**
 * The pod server with real processes (spec §4, §6, §7, §10): a directory, the addressbook service and
 * two pods, started once and shared by the suites below, which run in order (each builds on what the
 * one before established: the owner suite logs A in and joins it; the member suite joins B; the
 * budgets suite attacks A's answers and subscriptions, restarting A with small subscription limits;
 * the lifecycle suite upgrades and restarts A, then ends with a login storm).
 */
import { after, before } from 'node:test';
import { budgetsSuite } from './budgets-suite.js';
import { capabilitiesSuite } from './capabilities-suite.js';
import { lifecycleSuite } from './lifecycle-suite.js';
import { linkLabelsSuite } from './link-labels-suite.js';
import { memberSuite } from './member-suite.js';
import { ownerSuite } from './owner-suite.js';
import { PodWorld } from './world.js';

const world = new PodWorld();

before(() => world.start());
after(() => world.stop());

ownerSuite(world);
capabilitiesSuite(world);
linkLabelsSuite(world);
memberSuite(world);
budgetsSuite(world);
lifecycleSuite(world);
