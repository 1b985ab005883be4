-- AlterTable: optimistic concurrency for updateCluster (every change of the row increments it).
ALTER TABLE "cluster" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
