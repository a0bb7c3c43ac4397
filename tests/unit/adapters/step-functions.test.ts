import {
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { StepFunctionsCallbacks, StepFunctionsStarter } from '../../../shared/adapters/aws/step-functions.js';
import { TaskTokenExpiredError } from '../../../shared/ports/workflow.js';

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:order';
const sfn = mockClient(SFNClient);
const client = () => new SFNClient({ region: 'us-east-1' });

beforeEach(() => {
  sfn.reset();
});

describe('Given an order workflow', () => {
  describe('When it is started', () => {
    it('calls StartExecution with the state machine, the name and the JSON input', async () => {
      sfn.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE}:o-1`, startDate: new Date() });
      const result = await new StepFunctionsStarter(client(), STATE_MACHINE).start('o-1', {
        orderId: 'o-1',
        amounts: [1, 2],
      });
      expect(result).toEqual({ executionId: `${STATE_MACHINE}:o-1`, alreadyStarted: false });
      const calls = sfn.commandCalls(StartExecutionCommand);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.args[0].input).toEqual({
        stateMachineArn: STATE_MACHINE,
        name: 'o-1',
        input: '{"orderId":"o-1","amounts":[1,2]}',
      });
    });
  });

  describe('When an execution with the same name already exists', () => {
    it('reports it as already started instead of failing', async () => {
      sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
      const result = await new StepFunctionsStarter(client(), STATE_MACHINE).start('o-1', { orderId: 'o-1' });
      expect(result).toEqual({ executionId: 'o-1', alreadyStarted: true });
    });
  });

  describe('When StartExecution fails otherwise', () => {
    it('propagates the error', async () => {
      sfn.on(StartExecutionCommand).rejects(new Error('AccessDenied'));
      await expect(new StepFunctionsStarter(client(), STATE_MACHINE).start('o-1', {})).rejects.toThrow(
        'AccessDenied',
      );
    });
  });
});

describe('Given a task waiting for its token', () => {
  describe('When it succeeds', () => {
    it('sends SendTaskSuccess with the token and the JSON output', async () => {
      sfn.on(SendTaskSuccessCommand).resolves({});
      await new StepFunctionsCallbacks(client()).succeed('token-1', { picked: [{ sku: 'A', quantity: 2 }] });
      expect(sfn.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input)).toEqual([
        { taskToken: 'token-1', output: '{"picked":[{"sku":"A","quantity":2}]}' },
      ]);
    });
  });

  describe('When it fails', () => {
    it('sends SendTaskFailure with the error name and cause', async () => {
      sfn.on(SendTaskFailureCommand).resolves({});
      await new StepFunctionsCallbacks(client()).fail('token-1', 'PickShortError', 'picked 1 of 2');
      expect(sfn.commandCalls(SendTaskFailureCommand).map((call) => call.args[0].input)).toEqual([
        { taskToken: 'token-1', error: 'PickShortError', cause: 'picked 1 of 2' },
      ]);
    });

    it('cuts the cause to the 32,000 characters Step Functions accepts', async () => {
      sfn.on(SendTaskFailureCommand).resolves({});
      await new StepFunctionsCallbacks(client()).fail('token-1', 'Boom', 'x'.repeat(40_000));
      expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input.cause).toHaveLength(32_000);
    });
  });

  describe.each([
    ['TaskTimedOut', () => new TaskTimedOut({ message: 'timed out', $metadata: {} })],
    ['TaskDoesNotExist', () => new TaskDoesNotExist({ message: 'no such task', $metadata: {} })],
    ['InvalidToken', () => new InvalidToken({ message: 'bad token', $metadata: {} })],
  ])('When Step Functions answers %s', (_name, makeError) => {
    it('turns a success callback into TaskTokenExpiredError with the SDK message', async () => {
      const sdkError = makeError();
      sfn.on(SendTaskSuccessCommand).rejects(sdkError);
      const calling = new StepFunctionsCallbacks(client()).succeed('token-1', {});
      await expect(calling).rejects.toBeInstanceOf(TaskTokenExpiredError);
      await expect(calling).rejects.toThrow(sdkError.message);
    });

    it('turns a failure callback into TaskTokenExpiredError', async () => {
      sfn.on(SendTaskFailureCommand).rejects(makeError());
      await expect(new StepFunctionsCallbacks(client()).fail('token-1', 'E', 'c')).rejects.toBeInstanceOf(
        TaskTokenExpiredError,
      );
    });
  });

  describe('When Step Functions answers another error', () => {
    it('propagates it unchanged', async () => {
      const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      sfn.on(SendTaskSuccessCommand).rejects(throttled);
      const calling = new StepFunctionsCallbacks(client()).succeed('token-1', {});
      await expect(calling).rejects.toBe(throttled);
      await expect(calling).rejects.not.toBeInstanceOf(TaskTokenExpiredError);
    });
  });
});
