/**
 * A start-up failure the person running rotor fixes by changing one setting
 * (a port already taken, a port they may not bind). The command line prints
 * its message as one line instead of a stack trace: the stack says nothing
 * they can act on, the setting's name does.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}
