import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { anyTopicMatches, topicMatches, topicProblem } from '../../src/protocol/topics.js';

describe('topicMatches', () => {
  it('matches exact topics only without a star', () => {
    assert.equal(topicMatches('build.done', 'build.done'), true);
    assert.equal(topicMatches('build.done', 'build.done.x'), false);
    assert.equal(topicMatches('build', 'build.done'), false);
  });
  it('treats a trailing .* or * as a prefix', () => {
    assert.equal(topicMatches('build.*', 'build.done'), true);
    assert.equal(topicMatches('build.*', 'build.a.b'), true);
    assert.equal(topicMatches('build.*', 'build'), false);
    assert.equal(topicMatches('build.*', 'builder.x'), false);
    assert.equal(topicMatches('build*', 'builder.x'), true);
    assert.equal(topicMatches('*', 'anything.at.all'), true);
  });
  it('anyTopicMatches checks every pattern', () => {
    assert.equal(anyTopicMatches(['a', 'b.*'], 'b.c'), true);
    assert.equal(anyTopicMatches(['a', 'b.*'], 'c'), false);
    assert.equal(anyTopicMatches([], 'c'), false);
  });
});

describe('topicProblem', () => {
  it('accepts topics and trailing-star patterns', () => {
    assert.equal(topicProblem('a.b'), undefined);
    assert.equal(topicProblem('a.*'), undefined);
    assert.equal(topicProblem('*'), undefined);
  });
  it('rejects non-strings, empty, inner stars and very long topics', () => {
    assert.match(topicProblem(3) ?? '', /string/);
    assert.match(topicProblem('') ?? '', /empty/);
    assert.match(topicProblem('a.*.b') ?? '', /only allowed at the end/);
    assert.match(topicProblem('x'.repeat(300)) ?? '', /at most/);
  });
});
