"""The AI interviewer: interview spec, prompts, per-turn and Live interviewers."""
