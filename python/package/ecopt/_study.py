"""Studies in ECOpt's storage (SQLite, PostgreSQL, memory), as the CLI's
create-study / ask / tell / best-trials see them."""
import json

from ecopt import _native


class Trial:
    """A stored trial. ``params`` maps names to values; ``values`` holds one
    number per objective once COMPLETE."""

    def __init__(self, record):
        self.number = record["number"]
        self.params = record.get("params", {})
        self.state = record.get("state", "RUNNING")
        self.values = record.get("values") or None
        self.user_attrs = record.get("user_attrs", {})
        self.system_attrs = record.get("system_attrs", {})
        self.fail_reason = record.get("fail_reason")
        self.datetime_start = record.get("datetime_start")
        self.datetime_complete = record.get("datetime_complete")
        # The learning curve: step -> {metric: value}, as reported.
        self.intermediate = {int(step): values
                             for step, values in record.get("intermediate", {}).items()}

    def __repr__(self):
        return (f"Trial(number={self.number}, state={self.state!r}, params={self.params!r}, "
                f"values={self.values!r})")


def search_space_json(search_space):
    """Optuna's distribution JSON for a search space given as that JSON
    (text or dict), or as a dict of Optuna distribution objects."""
    if isinstance(search_space, str):
        return search_space
    encoded = {}
    for name, distribution in search_space.items():
        if isinstance(distribution, str):
            encoded[name] = json.loads(distribution)
        elif isinstance(distribution, dict):
            encoded[name] = distribution
        else:  # an optuna.distributions object: optuna is already imported then
            from optuna.distributions import distribution_to_json
            encoded[name] = json.loads(distribution_to_json(distribution))
    return json.dumps(encoded)


class Study:
    """Ask and tell on a stored study. Like the CLI, every ask rebuilds the
    sampler from all stored trials, so many processes can share a study."""

    def __init__(self, handle):
        self._handle = handle
        spec = json.loads(handle.spec())
        self.name = spec["name"]
        self.objective_names = [o["name"] for o in spec["objectives"]]
        self.directions = [o["direction"] for o in spec["objectives"]]
        # Declared roles and units; None where the report infers them from the name.
        self.roles = [o.get("role") for o in spec["objectives"]]
        self.units = [o.get("unit") for o in spec["objectives"]]

    @classmethod
    def create(cls, storage, name, directions=("minimize",), objective_names=None,
               load_if_exists=False, roles=None, units=None):
        """Creates study `name` in `storage` (a URL such as
        ``sqlite:///ecopt.db``). Objectives are named objective_0, ...
        unless `objective_names` names them. `roles` (quality, energy, cost,
        other) and `units` ("J/sample") declare what each objective is;
        left out, the report infers them from the names."""
        directions = list(directions)
        names = list(objective_names or (f"objective_{i}" for i in range(len(directions))))
        objectives = [{"name": n, "direction": d} for n, d in zip(names, directions)]
        for key, given in (("objective names", names), ("role", roles), ("unit", units)):
            if given is not None and len(given) != len(directions):
                raise _native.InputError(
                    f"{len(given)} {key} entries for {len(directions)} directions; give one each")
        for objective, role, unit in zip(objectives, roles or [None] * len(objectives),
                                         units or [None] * len(objectives)):
            if role is not None:
                objective["role"] = role
            if unit is not None:
                objective["unit"] = unit
        spec = {"name": name, "constraints": [], "objectives": objectives}
        return cls(_native.StudyHandle.create(storage, json.dumps(spec), load_if_exists))

    @classmethod
    def load(cls, storage, name):
        return cls(_native.StudyHandle.load(storage, name))

    def ask(self, search_space=None, sampler="mobo", seed=0, initial_trials=-1, **sampler_kwargs):
        """Starts a trial; returns it with ``.number`` and ``.params``.
        `search_space` is Optuna's distribution JSON (text, or a dict of
        name to JSON dict) or a dict of Optuna distributions; left out, the
        space the study declares (its first ask's, or its study file's).
        Queued configurations (`enqueue`) come first."""
        space = search_space_json(search_space) if search_space is not None else ""
        asked = json.loads(self._handle.ask(space, sampler, seed, initial_trials,
                                            json.dumps(sampler_kwargs)))
        return Trial(asked)

    def enqueue(self, params, search_space=None, skip_if_queued=False):
        """Queues a known configuration ({name: value}), as Optuna's
        ``enqueue_trial``: the next asks (here, from the CLI, ``ecopt tune``
        or any worker) hand out the queued configurations, in order, before
        any sampled trial, each once. It is checked against `search_space`
        (declared as the study's) or the study's declared space: every
        active parameter, fixed ones filled in. Returns the configuration's
        index in the queue; with `skip_if_queued`, one queued before is not
        queued again."""
        space = search_space_json(search_space) if search_space is not None else ""
        return json.loads(self._handle.enqueue(json.dumps(params), space, skip_if_queued))["index"]

    def tell(self, number, values=None, state="complete", user_attrs=None, fail_reason=None):
        """Finishes trial `number`: COMPLETE needs one value per objective."""
        if values is not None and not isinstance(values, (list, tuple)):
            values = [values]
        stored = self._handle.tell(number, state, [float(v) for v in values or []],
                                   json.dumps(user_attrs or {}), fail_reason)
        return Trial(json.loads(stored))

    def report(self, number, step, values, last_step=None, pruner=None):
        """Stores `values` ({metric: number}) at `step` of trial `number`'s
        learning curve and returns why it should stop by the study's
        pruning rule (or `pruner`: "front-reach", "pareto-halving",
        "none"), or None to go on. Tell a stopped trial with
        state="pruned"."""
        return self._handle.report(number, int(step), json.dumps(values), last_step, pruner or "")

    @property
    def trials(self):
        return [Trial(t) for t in json.loads(self._handle.trials())]

    @property
    def best_trials(self):
        """The feasible Pareto-optimal COMPLETE trials."""
        return [Trial(t) for t in json.loads(self._handle.best_trials())]

    def select(self, where="", pick="knee"):
        """Chooses the model to deploy, as ``ecopt best-trials --where
        WHERE --pick PICK`` does: the front of the feasible COMPLETE trials
        within the limits in `where` ("accuracy>=0.9,inference_j<0.002"),
        then the trial `pick` chooses from it ("min:METRIC", "max:METRIC",
        "knee" or "weighted:W1,W2"). Returns (picked Trial or None, the
        candidates, the rule in words); raises InputError for a malformed
        limit or rule or a name no objective or metric has."""
        chosen = json.loads(self._handle.select(where, pick))
        picked = Trial(chosen["picked"]) if chosen["picked"] is not None else None
        return picked, [Trial(t) for t in chosen["candidates"]], chosen["rule"]

    def best_trials_by_posterior_mean(self):
        """For noisy objectives: the feasible COMPLETE trials on the front
        judged by the posterior means of one Gaussian process per objective
        (fitted to every complete trial), not by their single observed
        readings, in number order; what ``ecopt best-trials --noisy``
        prints. Raises InputError when no trial was asked through ECOpt
        (there is no search space to model)."""
        return [Trial(t) for t in json.loads(self._handle.best_trials_by_posterior_mean())]


def export_to_optuna(storage, study_name, out, out_study_name=None):
    """Writes study `study_name` of `storage` as an Optuna 3.1 SQLite
    storage at `out` (``sqlite:///optuna.db``), as ``ecopt export --to
    optuna`` does; returns the number of trials written. Needs no optuna."""
    return _native.export_to_optuna(storage, study_name, out, out_study_name or "")
