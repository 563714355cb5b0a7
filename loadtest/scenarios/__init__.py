"""Event sources: normal behaviour, decoys and one module per scam campaign family."""

from loadtest.scenarios.base import CampaignFn, CampaignSpec, Context
from loadtest.scenarios.impersonation import impersonation
from loadtest.scenarios.mule import mule
from loadtest.scenarios.pig_butchering import pig_butchering
from loadtest.scenarios.sim_swap import sim_swap
from loadtest.scenarios.simbox import simbox
from loadtest.scenarios.smishing import smishing
from loadtest.scenarios.wangiri import wangiri

#: Campaign generator per typology.
CAMPAIGNS: dict[str, CampaignFn] = {
    "wangiri": wangiri,
    "simbox": simbox,
    "smishing": smishing,
    "impersonation": impersonation,
    "mule": mule,
    "pig_butchering": pig_butchering,
    "sim_swap": sim_swap,
}

__all__ = ["CAMPAIGNS", "CampaignFn", "CampaignSpec", "Context"]
