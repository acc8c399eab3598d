"""Copies an ECOpt study into an Optuna storage, so that Optuna's tools
(optuna.load_study, optuna.visualization, optuna-dashboard) open it:

    python3 -m ecopt.to_optuna --storage sqlite:///ecopt.db --study-name cnn \\
        --out sqlite:///optuna.db

Every trial keeps its number order, state, parameters (with the
distributions ECOpt stored with it), values, times and fail reason; ECOpt's
user attributes (energy figures with their source, device and idle
handling) become Optuna user attributes unchanged. Objective names are in
the study's user attribute "objective_names" (Optuna 3.1 has no metric
names)."""
import argparse
import datetime
import json

import optuna
from optuna.distributions import json_to_distribution
from optuna.trial import FrozenTrial, TrialState

import ecopt

_STATES = {"COMPLETE": TrialState.COMPLETE, "PRUNED": TrialState.PRUNED,
           "FAIL": TrialState.FAIL, "RUNNING": TrialState.RUNNING}


def _time(text):
    if text is None:
        return None
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def _distributions(trial):
    space = trial.system_attrs.get("search_space")
    if space is None:
        raise ecopt.InputError(
            f"trial {trial.number} has no stored search space, so its parameters have no "
            "distributions for Optuna; it was not asked through ECOpt's ask")
    return {name: json_to_distribution(json.dumps(encoded))
            for name, encoded in json.loads(space).items() if name in trial.params}


def _frozen(trial):
    state = _STATES[trial.state]
    system_attrs = {k: v for k, v in trial.system_attrs.items() if k != "search_space"}
    if trial.fail_reason:
        system_attrs["fail_reason"] = trial.fail_reason
    return FrozenTrial(
        number=trial.number, trial_id=trial.number, state=state, value=None,
        values=trial.values if state == TrialState.COMPLETE else None,
        datetime_start=_time(trial.datetime_start),
        datetime_complete=_time(trial.datetime_complete) if state != TrialState.RUNNING else None,
        params=trial.params, distributions=_distributions(trial),
        user_attrs=trial.user_attrs, system_attrs=system_attrs, intermediate_values={})


def export(storage, study_name, out, out_study_name=None):
    """Writes study `study_name` of ECOpt storage `storage` into the Optuna
    storage `out`; returns the Optuna study."""
    source = ecopt.Study.load(storage, study_name)
    target = optuna.create_study(storage=out, study_name=out_study_name or study_name,
                                 directions=source.directions)
    target.set_user_attr("objective_names", source.objective_names)
    target.set_user_attr("exported_from", f"ECOpt study {study_name}")
    target.add_trials([_frozen(trial) for trial in source.trials])
    return target


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m ecopt.to_optuna", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--storage", required=True, help="ECOpt storage URL")
    parser.add_argument("--study-name", required=True)
    parser.add_argument("--out", required=True, help="Optuna storage URL, e.g. sqlite:///optuna.db")
    parser.add_argument("--out-study-name", help="name in Optuna (default: the same)")
    args = parser.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = export(args.storage, args.study_name, args.out, args.out_study_name)
    except (ecopt.Error, optuna.exceptions.DuplicatedStudyError) as error:
        raise SystemExit(f"ecopt.to_optuna: error: {error}")
    print(f"{len(study.trials)} trials of {args.study_name} written to {args.out}")


if __name__ == "__main__":
    main()
